"""Relation fields whose querysets come from the policy (api.policy), never ``Model.objects.all()``.

DRF's ``ModelSerializer`` gives a foreign key ``PrimaryKeyRelatedField(
queryset=Project.objects.all())``: it accepts another user's project and the
browsable form lists every project's name (NetBox #21988, #22525). Here the
queryset is computed per request, ``restrict(request.user, action)``; with no
request (no user) it is empty, so the field fails closed.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import models
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from api import policy


class PolicyPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by id, offered from the rows the caller may do ``action`` to.

    It does not decide whether an id is acceptable: ``to_internal_value``
    checks the type (an integer or a string of digits, or null where
    allowed) and passes the id on, and the service looks it up through the
    policy, answering a missing, junk, invisible or not-allowed id with one
    message. Deciding here too would give two answers, and the services have
    rules a queryset cannot state (an example may keep the project it is in
    without the right to add to it).
    """

    default_error_messages = {
        "incorrect_type": "Incorrect type. Expected an id (an integer), received {data_type}.",
    }

    def __init__(
        self, *, model: type[models.Model], action: str, shown_from: str | None = None, **kwargs
    ) -> None:
        policy.policy_for(model)  # a model with no policy fails here, at import time
        self.policy_model = model
        self.policy_action = action
        # An annotation of the viewset's queryset holding the id only where the caller
        # may see the related row (else null); read instead of the column when present.
        self.shown_from = shown_from
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        if self.shown_from is not None and hasattr(instance, self.shown_from):
            return PKOnlyObject(pk=getattr(instance, self.shown_from))
        return super().get_attribute(instance)

    def row_source(self, annotations: Collection[str]) -> str | None:
        """The column a ``.values()`` row holds this field's id in (api/v1/rows.py), or None.

        The ``shown_from`` annotation when the list's queryset has it, as
        ``get_attribute`` reads it from an instance; else None, and the list
        is read as instances.
        """
        if self.shown_from is not None and self.shown_from in annotations:
            return self.shown_from
        return None

    def get_queryset(self) -> models.QuerySet:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return policy.restrict(self.policy_model._default_manager.all(), user, self.policy_action)

    def to_internal_value(self, data: object) -> object:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return data
