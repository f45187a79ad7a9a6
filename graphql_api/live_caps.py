"""How many sockets one user or one client address may hold open, across every worker process and node.

A socket holds a lease: one of ``limit`` slot keys of its user (or address)
in the default cache (Redis with ``REDIS_URL``, so every process and machine
counts the same sockets), taken with the cache's atomic ``add``. The slot
expires after ``LEASE_SECONDS`` unless the socket renews it (every third of
that) and is deleted when the socket closes. A process that crashes leaks
its sockets' slots for at most ``LEASE_SECONDS``; nothing is counted twice.

A cache that does not answer cannot count: ``acquire`` raises
``CapsUnavailable`` and the socket is closed with 1013 (try again later),
never let in uncounted; a renewal or release that fails is logged and left
to the slot's expiry.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from django.core.cache import cache

from backend.errors import is_cache_unavailable

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60
PREFIX = "live:sockets"


class CapsUnavailable(Exception):
    """The cache that counts sockets did not answer: the socket is refused (1013)."""


@dataclass
class Lease:
    slot: str
    holder: str

    async def renew(self) -> None:
        # A slot that expired while this process was stalled is taken again if
        # still free; if another socket has it, this one goes uncounted until it closes.
        try:
            if not await cache.atouch(self.slot, LEASE_SECONDS):
                await cache.aadd(self.slot, self.holder, LEASE_SECONDS)
        except Exception as exc:
            if not is_cache_unavailable(exc):
                raise
            logger.warning("socket lease not renewed: %s", exc)

    async def release(self) -> None:
        try:
            if await cache.aget(self.slot) == self.holder:
                await cache.adelete(self.slot)
        except Exception as exc:
            if not is_cache_unavailable(exc):
                raise
            logger.warning("socket lease not released (it expires in %d s): %s", LEASE_SECONDS, exc)


async def acquire(key: str, limit: int) -> Lease | None:
    """A lease on one of ``key``'s ``limit`` slots, or None when all are held; CapsUnavailable without a cache."""
    slots = [f"{PREFIX}:{key}:{n}" for n in range(limit)]
    holder = uuid.uuid4().hex
    try:
        held = await cache.aget_many(slots)
        for slot in slots:
            if slot not in held and await cache.aadd(slot, holder, LEASE_SECONDS):
                return Lease(slot, holder)
    except Exception as exc:
        if not is_cache_unavailable(exc):
            raise
        logger.warning("socket refused, its count cannot be kept: %s", exc)
        raise CapsUnavailable() from exc
    return None


async def keep(leases: list[Lease]) -> None:
    """Renew ``leases`` until cancelled (the socket's lifetime)."""
    while True:
        await asyncio.sleep(LEASE_SECONDS / 3)
        for lease in leases:
            await lease.renew()
