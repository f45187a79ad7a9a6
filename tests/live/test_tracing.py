"""A live delivery in the traces (backend/tracing.py): one span per event and subscription, with the policy's answer."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api import services
from api.events import user_group
from backend import tracing
from graphql_api import subscriptions

from .sockets import Socket, subscribed
from .test_subscriptions import run, team  # noqa: F401 (the fixture)


def test_a_delivery_is_a_span(team, write, monkeypatch):  # noqa: F811
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.instrument(provider)
    # What the module picks at import when traces are on.
    monkeypatch.setattr(subscriptions, "delivery_span", tracing.live_delivery)
    example = team["example"]

    async def scenario():
        owner = await Socket.ready(team["tokens"]["owner"])
        await owner.subscribe("1")
        await subscribed(user_group(team["owner"].pk))
        await write(
            lambda: services.example_update(
                user=team["editor"], example_id=example.pk, data={"title": "Traced"}
            )
        )
        assert (await owner.receive())["type"] == "next"
        await owner.close()

    try:
        run(scenario)
    finally:
        tracing.uninstrument()
    (delivery,) = [span for span in exporter.get_finished_spans() if span.name == "live.delivery"]
    assert delivery.attributes["live.event.id"] == str(example.pk)
    assert delivery.attributes["live.event.kind"] == "UPDATED"
    assert delivery.attributes["live.delivered"] is True
