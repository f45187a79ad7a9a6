"""Mail sent by the accounts code, off the request path.

Each function is a django-tasks ``Task``: a request only enqueues it (one
row in the database queue in production; ``manage.py db_worker`` sends it),
so neither a slow mail server nor the question "is this address known?"
changes what the request costs or answers.

django-tasks has no retries of its own. ``_deliver`` adds them: a failed
send is logged and enqueued again with an exponential delay
(``MAIL_TASK_RETRY_SECONDS`` x 1, 2, 4, ...) until ``MAIL_TASK_MAX_ATTEMPTS``;
the last failure is logged as an error. Each failed attempt re-raises, so
its task row is FAILED with the traceback, and the retry is a new row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task
from django_tasks.base import Task

from backend.metrics import TASK_FAILURES, TASK_RETRIES

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> timedelta:
    """How long to wait before attempt ``attempt + 1``: 1x, 2x, 4x ... the base delay."""
    return timedelta(seconds=settings.MAIL_TASK_RETRY_SECONDS * 2 ** (attempt - 1))


def _deliver(
    retry_task: Task, retry_kwargs: dict, *, attempt: int, subject: str, message: str, to: str, log_ref: str
) -> None:
    """Send one mail; on failure log it and enqueue ``retry_task`` again, or give up."""
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=[to])
    except Exception as exc:  # SMTP errors, refused connections, timeouts: all retried alike.
        TASK_FAILURES.labels(retry_task.name).inc()
        max_attempts = settings.MAIL_TASK_MAX_ATTEMPTS
        if attempt >= max_attempts:
            logger.error(
                "mail %r (%s) failed on attempt %d of %d, giving up: %s",
                retry_task.name, log_ref, attempt, max_attempts, type(exc).__name__,
            )  # fmt: skip
            raise
        delay = retry_delay(attempt)
        logger.warning(
            "mail %r (%s) failed on attempt %d of %d, retrying in %d s: %s",
            retry_task.name, log_ref, attempt, max_attempts, delay.total_seconds(), type(exc).__name__,
        )  # fmt: skip
        # The immediate backend (development, tests) cannot defer: it retries at once.
        if retry_task.get_backend().supports_defer:
            retry_task = retry_task.using(run_after=timezone.now() + delay)
        retry_task.enqueue(**retry_kwargs, attempt=attempt + 1)
        TASK_RETRIES.labels(retry_task.name).inc()
        raise


def _reset_message(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.PASSWORD_RESET_URL.format(uid=uid, token=token)
    return (
        "Someone asked to reset the password of your account.\n"
        "If it was you, open the link below or send uid and token to "
        "POST /api/auth/password/reset/confirm/ with your new password.\n\n"
        f"{link}\n\nuid: {uid}\ntoken: {token}\n\n"
        "If it was not you, ignore this message; your password is unchanged.\n"
    )


@task()
def send_password_reset_mail(email: str, attempt: int = 1) -> None:
    """Mail a reset link if ``email`` belongs to an active user with a password; else nothing.

    The lookup happens here, in the worker, so the request that enqueued it
    did the same work for a known and an unknown address. The token is made
    at send time (a retry sends a fresh, equally valid one).
    """
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    _deliver(
        send_password_reset_mail,
        {"email": email},
        attempt=attempt,
        subject="Reset your password",
        message=_reset_message(user),
        to=user.email,
        log_ref=f"user {user.pk}",
    )


@task()
def send_email_changed_notice(user_id: int, old_email: str, new_email: str, attempt: int = 1) -> None:
    """Tell the previous address that the account's email changed (a takeover alarm)."""
    _deliver(
        send_email_changed_notice,
        {"user_id": user_id, "old_email": old_email, "new_email": new_email},
        attempt=attempt,
        subject="The email address of your account was changed",
        message=(
            f"The email address of your account was changed from {old_email} to {new_email}.\n"
            "Password reset links now go to the new address.\n\n"
            "If you made this change, there is nothing to do.\n"
            "If you did not, someone else has access to your account: contact the "
            "site's administrators at once.\n"
        ),
        to=old_email,
        log_ref=f"user {user_id}",
    )
