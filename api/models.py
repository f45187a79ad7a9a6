"""The data served by every surface."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

from backend.validators import prohibit_blank, prohibit_null_characters

from .querysets import DEFAULT_ORDERING, ExampleQuerySet

TITLE_MAX_LENGTH = 200
CONTENT_MAX_LENGTH = 100_000


class ExampleModel(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="examples")
    title = models.CharField(
        max_length=TITLE_MAX_LENGTH, validators=[prohibit_null_characters, prohibit_blank]
    )
    content = models.TextField(
        blank=True,
        max_length=CONTENT_MAX_LENGTH,
        validators=[MaxLengthValidator(CONTENT_MAX_LENGTH), prohibit_null_characters],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExampleQuerySet.as_manager()

    class Meta:
        ordering = list(DEFAULT_ORDERING)
        indexes = [
            # Serves "this user's rows, newest first", the query behind every list.
            models.Index(fields=["user", "-created_at", "-id"], name="example_user_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.title
