"""How many sockets one user or one client address may hold open, across every worker process and node.

A socket holds a lease: one of ``limit`` slot keys of its user (or address)
in the default cache (Redis with ``REDIS_URL``, so every process and machine
counts the same sockets), taken with the cache's atomic ``add``. The slot
expires after ``LEASE_SECONDS`` unless the socket renews it (every third of
that) and is deleted when the socket closes. A process that crashes leaks
its sockets' slots for at most ``LEASE_SECONDS``; nothing is counted twice.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from django.core.cache import cache

LEASE_SECONDS = 60
PREFIX = "live:sockets"


@dataclass
class Lease:
    slot: str
    holder: str

    async def renew(self) -> None:
        # A slot that expired while this process was stalled is taken again if
        # still free; if another socket has it, this one goes uncounted until it closes.
        if not await cache.atouch(self.slot, LEASE_SECONDS):
            await cache.aadd(self.slot, self.holder, LEASE_SECONDS)

    async def release(self) -> None:
        if await cache.aget(self.slot) == self.holder:
            await cache.adelete(self.slot)


async def acquire(key: str, limit: int) -> Lease | None:
    """A lease on one of ``key``'s ``limit`` slots, or None when all are held."""
    slots = [f"{PREFIX}:{key}:{n}" for n in range(limit)]
    held = await cache.aget_many(slots)
    holder = uuid.uuid4().hex
    for slot in slots:
        if slot not in held and await cache.aadd(slot, holder, LEASE_SECONDS):
            return Lease(slot, holder)
    return None


async def keep(leases: list[Lease]) -> None:
    """Renew ``leases`` until cancelled (the socket's lifetime)."""
    while True:
        await asyncio.sleep(LEASE_SECONDS / 3)
        for lease in leases:
            await lease.renew()
