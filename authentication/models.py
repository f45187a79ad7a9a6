"""Profiles of Django's built-in users.

The user model is ``django.contrib.auth.models.User`` (no swapped model, as
the team's guide has it). What the product adds lives beside it: the
``Profile`` one-to-one here; case-insensitive unique usernames and emails as
expression indexes on ``auth_user`` (migration 0002); the display-name and
username rules in ``authentication.identity``.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

from backend.validators import prohibit_null_characters


@cache
def available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            "Unknown time zone %(value)s; use an IANA name such as Europe/Paris.",
            params={"value": value},
            code="invalid_timezone",
        )


class Profile(models.Model):
    """One per user, created with the user however the user is created."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=150, blank=True, validators=[prohibit_null_characters])
    bio = models.TextField(
        max_length=2000, blank=True, validators=[MaxLengthValidator(2000), prohibit_null_characters]
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"
