"""Serializer fields that take strings only.

DRF's CharField turns any scalar into text (``{"title": 0}`` is stored as
``"0"``, ``true`` as ``"True"``). The contract calls a wrong type a client
error, and GraphQL refuses it, so REST text fields refuse it too: a 400
``"Not a valid string."`` for numbers, booleans, lists and objects. Form and
multipart bodies are strings already and are unaffected.
"""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

NOT_A_STRING = "Not a valid string."


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": NOT_A_STRING}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_A_STRING, code="invalid")
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text and email columns take strings only."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
    }
