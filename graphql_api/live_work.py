"""Where the WebSocket sockets' database calls run: a bounded pool, shared fairly between users.

Without this, every thread-sensitive call of the sockets (Channels'
``database_sync_to_async``, strawberry-django's resolvers, Django's async
cache methods) runs on asgiref's one thread per process: one user's slow
checks delay every other user's handshake and events.

Here each socket runs inside ``asgiref.sync.ThreadSensitiveContext`` with an
executor of its own (``SocketExecutor``) that hands its calls to the
process's ``FairPool``:

- ``LIVE_DB_THREADS`` worker threads (each with its own database connection,
  checked before and after every call by Django's ``close_old_connections``,
  as Channels' ``database_sync_to_async`` does);
- each call's SQL runs under ``API_STATEMENT_TIMEOUT_MS`` on every alias,
  as a request's does (``backend.middleware.api_statement_timeout``); a
  statement it stops is the operation's coded ``TIMEOUT`` error;
- calls are queued per owner and taken round-robin between owners, and at
  most ``LIVE_DB_CALLS_PER_USER`` calls of one owner run at once. The owner
  is the socket's user once it has authenticated, its client address before
  (the handshake's session lookup, the token check). So one user's queued
  work can hold at most that many threads; everyone else's calls take the
  others, in turn.

``LIVE_DB_THREADS = 0`` keeps asgiref's own placement (the in-process tests
use it: there the calls must run on the test's thread, inside its
transaction), and with it the connection's own statement timeout.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.db import close_old_connections

from backend.middleware import api_statement_timeout

Call = tuple[Future, Callable[..., Any], tuple[Any, ...], dict[str, Any]]


@dataclass
class Owner:
    """Whose work a socket's calls are: ``addr:<client address>``, then ``user:<id>`` after connection_init."""

    key: str


@dataclass
class _Queue:
    calls: deque[Call] = field(default_factory=deque)
    running: int = 0


class FairPool:
    """``threads`` workers taking queued calls round-robin between owners, at most ``per_owner`` of one owner's at once."""

    def __init__(self, threads: int, per_owner: int) -> None:
        self.threads, self.per_owner = threads, per_owner
        self._lock = threading.Condition()
        self._queues: dict[str, _Queue] = {}
        # Owners with queued calls, in turn order (each at most once).
        self._turns: deque[str] = deque()
        self._workers: list[threading.Thread] = []

    def submit(self, owner: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        with self._lock:
            queue = self._queues.setdefault(owner, _Queue())
            queue.calls.append((future, function, args, kwargs))
            if owner not in self._turns:
                self._turns.append(owner)
            if len(self._workers) < self.threads:
                self._start_worker()
            self._lock.notify()
        return future

    def _start_worker(self) -> None:
        worker = threading.Thread(target=self._work, name=f"live-db-{len(self._workers)}", daemon=True)
        self._workers.append(worker)
        worker.start()

    def _next(self) -> tuple[str, Call]:
        """The next call to run: the first owner in turn below its cap; that owner goes to the back."""
        with self._lock:
            while True:
                for owner in self._turns:
                    queue = self._queues[owner]
                    if queue.running < self.per_owner:
                        self._turns.remove(owner)
                        call = queue.calls.popleft()
                        queue.running += 1
                        if queue.calls:
                            self._turns.append(owner)
                        return owner, call
                self._lock.wait()

    def _done(self, owner: str) -> None:
        with self._lock:
            queue = self._queues[owner]
            queue.running -= 1
            if not queue.running and not queue.calls:
                del self._queues[owner]
            self._lock.notify_all()

    def _work(self) -> None:
        while True:
            owner, (future, function, args, kwargs) = self._next()
            try:
                # A call whose socket went away while it was queued is skipped.
                if future.set_running_or_notify_cancel():
                    _run(future, function, args, kwargs)
            finally:
                self._done(owner)


def _run(future: Future, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    close_old_connections()
    try:
        # A socket's database work is an API call like a request's: the same statement timeout.
        with api_statement_timeout():
            result = function(*args, **kwargs)
        future.set_result(result)
    except BaseException as exc:  # handed to the awaiting coroutine, as a thread pool does
        future.set_exception(exc)
    finally:
        close_old_connections()


class SocketExecutor(Executor):
    """One socket's executor for ThreadSensitiveContext: its calls go to the pool under its current owner."""

    def __init__(self, pool: FairPool, owner: Owner) -> None:
        self.pool, self.owner = pool, owner

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self.pool.submit(self.owner.key, fn, *args, **kwargs)


_pools: dict[tuple[int, int], FairPool] = {}
_pools_lock = threading.Lock()


def pool() -> FairPool | None:
    """This process's pool for the current settings, or None when ``LIVE_DB_THREADS`` is 0."""
    threads, per_owner = settings.LIVE_DB_THREADS, settings.LIVE_DB_CALLS_PER_USER
    if threads <= 0:
        return None
    with _pools_lock:
        key = (threads, per_owner)
        if key not in _pools:
            _pools[key] = FairPool(threads, per_owner)
        return _pools[key]


class SocketWork:
    """ASGI middleware: the socket's thread-sensitive calls run in the pool, as ``scope["live_owner"]``."""

    def __init__(self, inner: Any, address: Callable[[dict[str, Any]], str]) -> None:
        self.inner, self.address = inner, address

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        owner = Owner(f"addr:{self.address(scope)}")
        scope = {**scope, "live_owner": owner}
        shared = pool()
        if shared is None:
            return await self.inner(scope, receive, send)
        async with ThreadSensitiveContext(executor=SocketExecutor(shared, owner)):
            return await self.inner(scope, receive, send)
