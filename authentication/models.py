"""Users and their profiles."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower

from backend.validators import prohibit_null_characters


class User(AbstractUser):
    """Django's user, with usernames and emails unique regardless of case.

    The case-insensitive constraints live in the database, so two concurrent
    registrations with the same address cannot both succeed.
    """

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_ci_unique",
                violation_error_message="A user with that email already exists.",
            ),
        ]

    @property
    def name(self) -> str:
        """The display name: the profile's, else the full name, else the username."""
        profile = getattr(self, "profile", None)
        if profile is not None and profile.display_name:
            return profile.display_name
        return self.get_full_name() or self.username


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
