"""Live updates in the metrics (backend/metrics.py): open sockets, running subscriptions, deliveries and their latency."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from api import services
from api.events import user_group

from .sockets import Socket, subscribed
from .test_subscriptions import run, team  # noqa: F401 (the fixture)


def _value(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


async def _until(name: str, expected: float) -> None:
    """Poll until the metric has ``expected`` (a socket's teardown runs after close returns)."""
    deadline = asyncio.get_running_loop().time() + 3
    while _value(name) != expected:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{name} is {_value(name)}, not {expected}")
        await asyncio.sleep(0.01)


def test_sockets_subscriptions_and_deliveries_are_measured(team, write):  # noqa: F811
    example = team["example"]
    sockets, subscriptions = _value("live_sockets"), _value("live_subscriptions")
    deliveries, timed = _value("live_deliveries_total"), _value("live_delivery_latency_seconds_count")

    async def scenario():
        owner = await Socket.ready(team["tokens"]["owner"])
        assert _value("live_sockets") == sockets + 1
        await owner.subscribe("1")
        await subscribed(user_group(team["owner"].pk))
        assert _value("live_subscriptions") == subscriptions + 1
        await write(
            lambda: services.example_update(
                user=team["editor"], example_id=example.pk, data={"title": "Timed"}
            )
        )
        assert (await owner.receive())["type"] == "next"
        assert _value("live_deliveries_total") == deliveries + 1
        assert _value("live_delivery_latency_seconds_count") == timed + 1
        await owner.close()
        await _until("live_sockets", sockets)
        await _until("live_subscriptions", subscriptions)

    run(scenario)
