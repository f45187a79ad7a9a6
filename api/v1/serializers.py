"""Shapes of `/api/v1/` bodies.

The serializer checks types and lengths so that a client gets field errors
before any write; the services validate the model again and own the write.
"""

from __future__ import annotations

from api.models import ExampleModel
from backend.fields import StrictModelSerializer

from .rows import RowListSerializer

EXAMPLE_FIELDS = ("id", "title", "content", "created_at", "updated_at")


class ExampleModelSerializer(StrictModelSerializer):
    """An example. Its owner is always the caller: a `user` or `id` in a request body is ignored."""

    class Meta:
        model = ExampleModel
        fields = EXAMPLE_FIELDS
        # Lists are serialized from `.values()` rows where that gives the same body (api/v1/rows.py).
        list_serializer_class = RowListSerializer
        read_only_fields = ("id", "created_at", "updated_at")
        # trim_whitespace: text is stored as sent, as the GraphQL surface
        # stores it. validators: DRF's CharField already refuses NUL and
        # enforces max_length; the model's own copies would repeat each
        # message (the service runs them again in full_clean anyway).
        extra_kwargs = {
            "title": {"trim_whitespace": False, "validators": [], "help_text": "1 to 200 characters."},
            "content": {
                "trim_whitespace": False,
                "validators": [],
                "help_text": "Text, may be empty; at most 100,000 characters.",
            },
        }
