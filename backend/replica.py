"""Reads from a streaming replica, never visible to the caller: read-your-writes on every surface.

With ``DB_REPLICA_HOST`` set there is a second database alias, ``replica``.
``ReplicaRouter`` sends a read there only when all of these hold, and to the
primary (``default``) otherwise, so every doubt falls back to the primary:

- the model is a data model (``REPLICA_APPS``: the ``api`` app). Users, tokens,
  sessions, throttle-free auth rows and task rows always read the primary, so a
  token just issued works and a revoked one is refused at once;
- the request asked for it: ``ReplicaReadsMiddleware`` allows it only for a
  safe method (GET, HEAD, OPTIONS) from a caller whose credential (token or
  session cookie) has not made an unsafe request in the last
  ``REPLICA_PIN_SECONDS``. The pin lives in the shared cache (Redis), so it
  holds on every node and for token clients too; a cache that does not answer
  counts as pinned. Nothing outside a request (WebSocket consumers and their
  policy checks, management commands, task workers) ever reads the replica;
- no transaction is open on the primary (a service's reads inside its write);
- the replica is at most ``REPLICA_MAX_LAG_SECONDS`` behind, measured at most
  once a second per process; a replica that does not answer counts as behind.

``REPLICA_PIN_SECONDS`` must exceed ``REPLICA_MAX_LAG_SECONDS`` (settings
refuse otherwise): a pinned caller reads the primary for longer than any row
can take to reach a replica that is still used.

Hand-written rather than a package: the routers that exist (django-replicated,
django-multidb-router) pin by cookie, which leaves token clients and
WebSocket consumers without read-your-writes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
REPLICA_APPS = frozenset({"api"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PIN_PREFIX = "replica-pin:"

# True only while a request that may read the replica is being answered.
replica_allowed: ContextVar[bool] = ContextVar("replica_allowed", default=False)


def credential_of(request: HttpRequest) -> str | None:
    """A digest of the caller's credential: the token, else the session cookie; None if anonymous."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    secret = header.strip() if header.strip() else request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not secret:
        return None
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def is_pinned(credential: str | None) -> bool:
    """True when ``credential`` wrote recently, or when the cache cannot tell."""
    if credential is None:
        return False
    try:
        return cache.get(PIN_PREFIX + credential) is not None
    except Exception:  # Redis down: not knowing means the primary
        return True


def pin(credential: str | None) -> None:
    if credential is None:
        return
    try:
        cache.set(PIN_PREFIX + credential, 1, settings.REPLICA_PIN_SECONDS)
    except Exception as exc:  # the write itself succeeded; is_pinned fails closed while Redis is down
        logger.warning("replica pin not stored: %s", exc)


class ReplicaReadsMiddleware:
    """Allows replica reads for this request, or pins its credential after an unsafe one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.REPLICA_ENABLED:
            return self.get_response(request)
        credential = credential_of(request)
        safe = request.method in SAFE_METHODS
        token = replica_allowed.set(safe and not is_pinned(credential))
        try:
            response = self.get_response(request)
        finally:
            replica_allowed.reset(token)
        if not safe:
            # Every unsafe request pins, whatever it answered: a write may have
            # committed before a later error, and pinning costs one cache set.
            pin(credential)
        return response


class _Lag:
    """The replica's lag in seconds, measured at most once a second per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked = 0.0
        self._fresh = False

    def fresh(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._checked < 1.0:
                return self._fresh
            self._checked = now
        fresh = self._measure() <= settings.REPLICA_MAX_LAG_SECONDS
        with self._lock:
            self._fresh = fresh
        return fresh

    def forget(self) -> None:
        with self._lock:
            self._checked = 0.0

    @staticmethod
    def _measure() -> float:
        # Caught up when everything received is replayed; else the age of the last replayed commit.
        sql = (
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9) END"
        )
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(sql)
                (lag,) = cursor.fetchone()
        except DatabaseError as exc:
            logger.warning("replica unavailable, reading the primary: %s", exc)
            connections[REPLICA].close()
            return float("inf")
        return float(lag if lag is not None else float("inf"))


lag = _Lag()


class ReplicaRouter:
    """Django's database router for the ``replica`` alias (see the module's docstring)."""

    def db_for_read(self, model: type[Model], **hints: object) -> str:
        if (
            replica_allowed.get()
            and model._meta.app_label in REPLICA_APPS
            and not connections[PRIMARY].in_atomic_block
            and lag.fresh()
        ):
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type[Model], **hints: object) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: object) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        return db == PRIMARY
