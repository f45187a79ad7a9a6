"""Writes for users, profiles, tokens and passwords.

Keyword-only, typed and atomic, shared by the REST views and GraphQL's
``updateProfile``. Validation failures raise Django's ``ValidationError``
keyed by field; adapters turn it into their own error shape. Session work
(``login``, ``logout``) needs the HTTP request and stays in the views.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from rest_framework.authtoken.models import Token

from backend.validators import reject_nulls

from .identity import email_taken, free_username, username_taken, users_matching, validate_username
from .models import Profile
from .tasks import send_email_changed_notice, send_password_reset_mail

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "A user with that email already exists."
USERNAME_TAKEN = "A user with that username already exists."
BAD_CREDENTIALS = "Unable to log in with provided credentials."
BAD_RESET_LINK = "The reset link is invalid or has expired."
WRONG_OLD_PASSWORD = "Your old password was entered incorrectly."  # noqa: S105 (a message)
CURRENT_PASSWORD_REQUIRED = "Your current password is required to change the email address."  # noqa: S105
WRONG_CURRENT_PASSWORD = "Your current password was entered incorrectly."  # noqa: S105 (a message)

USER_UPDATABLE_FIELDS = frozenset({"email", "username", "first_name", "last_name"})
PROFILE_UPDATABLE_FIELDS = frozenset({"display_name", "bio", "timezone"})
_USERNAME_MAX = User._meta.get_field("username").max_length or 150


# The names the rest of this module (and its other authors) use.
_users_with = users_matching
_email_taken = email_taken
_username_taken = username_taken


def _username_errors(username: str) -> None:
    try:
        validate_username(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from None


def derive_username(email: str) -> str:
    """A free username from the address's local part ("ada.l@x.org" -> "ada.l", "ada.l2", ...), never with ``@``."""
    return free_username(email, _username_taken)


def _password_errors(password: str, user: User, field: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _save_new_user(user: User, *, username_was_derived: bool) -> None:
    """Insert ``user``; a lost race on a unique constraint becomes a field error."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                user.save()
            return
        except IntegrityError:
            if _email_taken(user.email):
                raise ValidationError({"email": [EMAIL_TAKEN]}) from None
            if not username_was_derived:
                raise ValidationError({"username": [USERNAME_TAKEN]}) from None
            # Someone took the derived name between our check and insert.
            user.username = f"{user.username[: _USERNAME_MAX - 7]}-{secrets.token_hex(3)}"
    raise ValidationError({"username": [USERNAME_TAKEN]})


@transaction.atomic
def user_register(
    *, email: str, password: str, username: str | None = None, name: str = ""
) -> tuple[User, Token]:
    """Create a user, their profile and their API token, all or nothing."""
    email = User.objects.normalize_email(email.strip())
    if username:
        _username_errors(username)
    if _email_taken(email):
        raise ValidationError({"email": [EMAIL_TAKEN]})
    if username and _username_taken(username):
        raise ValidationError({"username": [USERNAME_TAKEN]})
    user = User(username=username or derive_username(email), email=email)
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    _password_errors(password, user, "password")
    user.set_password(password)
    _save_new_user(user, username_was_derived=not username)
    profile = Profile.objects.get_or_create(user=user)[0]
    if name:
        profile.display_name = name
        profile.full_clean()
        profile.save()
    user.profile = profile
    return user, Token.objects.create(user=user)


def user_authenticate(
    *, request: HttpRequest | None, password: str, username: str = "", email: str = ""
) -> User:
    """The active user with these credentials, by username or email (either case).

    One identifier names at most one account: an identifier with ``@``
    (in ``email``, or in ``username``, where clients send "username or
    email") is looked up by email only, one without by username only. No
    username contains ``@``, so the two can never reach different users.

    Unknown user, wrong password and inactive user all raise the same error,
    and all cost one password hash, so neither the text nor the timing tells
    which it was.
    """
    identifier = email.strip() or username.strip()
    by_email = bool(email.strip()) or "@" in identifier
    match = _users_with("email" if by_email else "username", identifier).first() if identifier else None
    # With no match, Django's backend still hashes the password once (for
    # timing); "" is never a username, so it cannot match anyone by accident.
    user = authenticate(request, username=match.username if match else "", password=password)
    if user is None:
        raise ValidationError(BAD_CREDENTIALS, code="authorization")
    return user


def token_for(user: User) -> Token:
    return Token.objects.get_or_create(user=user)[0]


def token_revoke(token: Token) -> None:
    Token.objects.filter(pk=token.pk).delete()


@transaction.atomic
def token_rotate(user: User) -> Token:
    """Replace the user's token: every client holding the old one is signed out."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def user_update(*, user: User, data: Mapping[str, Any], current_password: str | None = None) -> User:
    """Change the user's own fields; a new email needs ``current_password``.

    A stolen token or session must not be enough to move the account to an
    address the thief reads (and then reset the password): the password is
    checked before anything about the new address is looked at, so without
    it the answer tells nothing about which addresses are taken. When the
    email does change, a notice goes to the old address through the mail
    queue (enqueued in this transaction: with the database queue it is
    written, or rolled back, together with the change).
    """
    unknown = set(data) - USER_UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"user_update cannot change {sorted(unknown)}")
    reject_nulls(User, data)
    old_email = user.email
    email_changes = False
    if "email" in data:
        data = {**data, "email": User.objects.normalize_email(data["email"].strip())}
        email_changes = data["email"] != old_email
    if email_changes:
        _require_current_password(user, current_password)
        if _email_taken(data["email"], exclude_pk=user.pk):
            raise ValidationError({"email": [EMAIL_TAKEN]})
    if "username" in data:
        _username_errors(data["username"])
    if "username" in data and _username_taken(data["username"], exclude_pk=user.pk):
        raise ValidationError({"username": [USERNAME_TAKEN]})
    for field, value in data.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            user.save(update_fields=list(data) or None)
    except IntegrityError:
        field = "email" if "email" in data and _email_taken(data["email"], exclude_pk=user.pk) else "username"
        raise ValidationError({field: [EMAIL_TAKEN if field == "email" else USERNAME_TAKEN]}) from None
    if email_changes and old_email:
        send_email_changed_notice.enqueue(user_id=user.pk, old_email=old_email, new_email=user.email)
    return user


def _require_current_password(user: User, current_password: str | None) -> None:
    if not current_password:
        raise ValidationError({"current_password": [CURRENT_PASSWORD_REQUIRED]})
    if not user.check_password(current_password):
        raise ValidationError({"current_password": [WRONG_CURRENT_PASSWORD]})


@transaction.atomic
def profile_update(*, user: User, data: Mapping[str, Any]) -> Profile:
    unknown = set(data) - PROFILE_UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"profile_update cannot change {sorted(unknown)}")
    reject_nulls(Profile, data)
    profile = Profile.objects.select_for_update().get_or_create(user=user)[0]
    for field, value in data.items():
        setattr(profile, field, value)
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> Token:
    """Set a new password and rotate the token; returns the new token.

    Changing the password also changes the session hash, so every other
    session of the user ends; the view keeps the caller's own session alive.
    """
    if not user.check_password(old_password):
        raise ValidationError({"old_password": [WRONG_OLD_PASSWORD]})
    _password_errors(new_password, user, "new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return token_rotate(user)


def password_reset_request(*, email: str) -> None:
    """Queue a reset mail for ``email``; the worker sends it only if an active user has it.

    The same work for every address (one enqueue, no lookup here), so the
    answer and its timing do not tell whether the address is known, and no
    mail server is contacted during the request.
    """
    send_password_reset_mail.enqueue(email=email.strip())


def _user_from_uid(uid: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a mailed link; ends every session and token."""
    user = _user_from_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise ValidationError({"token": [BAD_RESET_LINK]})
    _password_errors(new_password, user, "new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()
    return user
