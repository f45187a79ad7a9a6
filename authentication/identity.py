"""The rules of a user's identity on Django's built-in ``auth.User``.

One place for what the custom user model used to carry: the display name,
and the username rules that keep one identity per login. A login identifier
containing ``@`` is an email (``authentication.services.user_authenticate``),
so a username must never contain one: otherwise a user could take another
user's address as their username and catch that user's email logins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Lower

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

USERNAME_MAX_LENGTH = 150
USERNAME_HAS_AT = "A username cannot contain '@'; an identifier with '@' is an email address."
# What UnicodeUsernameValidator allows, minus "@": word characters and . + -
_NOT_USERNAME_CHARACTER = re.compile(r"[^\w.+-]")


def display_name(user: User) -> str:
    """The name shown for a user: the profile's display name, else the full name, else the username.

    Reads ``profile.display_name``, ``first_name``, ``last_name`` and
    ``username``: load those (``select_related("profile")``) when listing users.
    """
    profile = getattr(user, "profile", None)
    return shown_name(
        profile.display_name if profile is not None else None,
        user.first_name,
        user.last_name,
        user.username,
    )


def shown_name(profile_display_name: str | None, first_name: str, last_name: str, username: str) -> str:
    """``display_name`` from the columns it reads, for a caller holding rows (``.values()``), not users.

    The full name is ``AbstractUser.get_full_name``'s: first and last name
    joined by a space, stripped (tests/auth/test_identity_columns.py checks
    that the two agree).
    """
    if profile_display_name:
        return profile_display_name
    return f"{first_name} {last_name}".strip() or username


class UsernameValidator(UnicodeUsernameValidator):
    """Django's username characters without ``@``: letters, digits and . + - _.

    A RegexValidator, so the OpenAPI document shows the pattern; a username
    with ``@`` gets the one clear message of ``validate_username``.
    """

    regex = r"^[\w.+-]+\Z"
    message = "Enter a valid username. This value may contain only letters, numbers, and ./+/-/_ characters."

    def __call__(self, value: str) -> None:
        validate_username(value)
        super().__call__(value)


def users_matching(field: str, value: str) -> QuerySet[User]:
    """Users whose ``field`` (username or email) equals ``value`` ignoring case, as the unique indexes compare.

    ``LOWER(column) = LOWER(value)`` is the expression of the indexes of
    migration 0002, so this lookup can use them (``iexact`` cannot on
    PostgreSQL) and agrees with them on what "the same" means.
    """
    # Imported here: migration 0003 imports this module, and models may not be
    # imported at module level before the app registry is ready.
    from django.contrib.auth.models import User

    return User.objects.alias(lowered=Lower(field)).filter(lowered=Lower(Value(value)))


def username_taken(username: str, *, exclude_pk: int | None = None) -> bool:
    return users_matching("username", username).exclude(pk=exclude_pk).exists()


def email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    return users_matching("email", email).exclude(pk=exclude_pk).exists()


def validate_username(value: str) -> None:
    """Refuse a username with ``@`` (the built-in validator allows it)."""
    if "@" in value:
        raise ValidationError(USERNAME_HAS_AT, code="username_has_at")


def free_username(base: str, is_taken: Callable[[str], bool]) -> str:
    """A free username without ``@`` made from ``base``: "ada.l@x.org" -> "ada.l", "ada.l2", ...

    From an address-like ``base`` the local part is kept (as for a username
    derived from an email); every character a username may not hold is
    dropped, an empty result becomes "user", and a number is appended until
    ``is_taken`` (case-insensitive, the caller's query) says the name is free.
    Used for derived usernames and by the data migration that rewrites old
    usernames with ``@``.
    """
    local = base.split("@", 1)[0] or base
    stem = _NOT_USERNAME_CHARACTER.sub("", local)[: USERNAME_MAX_LENGTH - 8] or "user"
    candidate, n = stem, 1
    while is_taken(candidate):
        n += 1
        candidate = f"{stem}{n}"
    return candidate
