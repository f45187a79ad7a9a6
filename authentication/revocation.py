"""Open WebSockets end with the credentials that opened them.

A live-updates socket (graphql_api.live) authenticates once, at
``connection_init``, with a token or the session cookie. Without this, a
socket outlived a logout, a deleted token, a password change or a
deactivated account, and kept receiving events. Each authenticated socket
joins its user's group (``sockets_group``); these receivers announce, after
the change commits, what ended:

- a token deleted, by any path (logout, rotation, password change or reset,
  the admin, a shell): ``{"token": key}``, and the sockets opened with that
  token close;
- a logout: ``{"session": key}``, and the sockets opened with that session
  close (the user's other sessions stay);
- a saved password or ``is_active`` (a full save too, as the admin makes):
  ``{"recheck": True}``, and every socket of the user checks its own
  credentials again as a request would (the token still exists and its user
  is active; the session still logs in its user, with the current password
  hash, through an active account) and
  closes if they fail. The caller's own session socket may close on a
  password change before the view keeps that session alive
  (``update_session_auth_hash``); its client reconnects with the same cookie.

A closed socket gets 4403. The announcement is best effort, as live events
are (``api.events.publish``): a channel layer that is down loses it, logged,
and the change itself still succeeds.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.crypto import constant_time_compare
from rest_framework.authtoken.models import Token

logger = logging.getLogger(__name__)

# The channels message type the live consumer handles itself (graphql_api.live).
MESSAGE_TYPE = "live.credentials"
TOKEN, SESSION = "token", "session"
# Saves that can end credentials.
CREDENTIAL_FIELDS = frozenset({"password", "is_active"})


def sockets_group(user_id: int) -> str:
    return f"live.sockets.{user_id}"


def announce(user_id: int, **what: Any) -> None:
    """Tell the user's sockets, after the current transaction commits, which credentials ended."""
    transaction.on_commit(lambda: _send(user_id, what))


def _send(user_id: int, what: dict[str, Any]) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(sockets_group(user_id), {"type": MESSAGE_TYPE, **what})
    except Exception:  # the layer's own errors (Redis, network) must not fail a logout
        logger.exception("Socket revocation not sent for user %s", user_id)


def still_valid(kind: str, key: str, user_id: int) -> bool:
    """Whether a socket's credentials would still authenticate a request as ``user_id``."""
    if kind == TOKEN:
        return Token.objects.filter(key=key, user_id=user_id, user__is_active=True).exists()
    return _session_user_id(key) == user_id


def _session_user_id(key: str) -> int | None:
    """The user a session still logs in, checked as ``django.contrib.auth.get_user`` checks it.

    Written out rather than calling ``get_user``: on a hash that matches only
    a ``SECRET_KEY_FALLBACKS`` key, ``get_user`` cycles the session's key,
    which here (no response to carry the new cookie) would log the browser out.
    """
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend_path).get_user(user_id)  # None when inactive (ModelBackend)
    stored = session.get(HASH_SESSION_KEY) or ""
    if user is None or not stored:
        return None
    hashes = (user.get_session_auth_hash(), *user.get_session_auth_fallback_hash())
    return user.pk if any(constant_time_compare(stored, known) for known in hashes) else None


@receiver(post_delete, sender=Token, dispatch_uid="authentication.revoke_token_sockets")
def token_deleted(sender: type[Token], instance: Token, **kwargs: Any) -> None:
    announce(instance.user_id, **{TOKEN: instance.key})


@receiver(user_logged_out, dispatch_uid="authentication.revoke_session_sockets")
def logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        announce(user.pk, **{SESSION: session_key})


@receiver(post_save, sender=User, dispatch_uid="authentication.recheck_sockets")
def user_saved(sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created or raw or (update_fields is not None and not CREDENTIAL_FIELDS & set(update_fields)):
        return
    announce(instance.pk, recheck=True)
