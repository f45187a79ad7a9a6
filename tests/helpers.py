"""Small helpers for assertions shared across test modules."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.test import APIClient

from api.models import ExampleModel, Invitation, Project, ProjectMembership
from authentication.models import Profile

from .factories import token_for

# A fixed instant for snapshot tests (with time_machine.travel(..., tick=False)).
FROZEN_AT = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)


def masked(body: dict[str, Any], *paths: str) -> dict[str, Any]:
    """``body`` with the values at dotted ``paths`` replaced by "<masked>".

    For values that are correct but not stable between runs (token keys, ids
    from a database sequence); tests check them separately before masking.
    """
    import copy

    result = copy.deepcopy(body)
    for path in paths:
        *parents, leaf = path.split(".")
        node = result
        for key in parents:
            node = node[key]
        node[leaf] = "<masked>"
    return result


def database_state() -> dict[str, list[tuple]]:
    """Every row a client can change, for before/after comparisons."""
    return {
        "examples": list(ExampleModel.objects.order_by("pk").values_list()),
        "users": list(User.objects.order_by("pk").values_list()),
        "profiles": list(Profile.objects.order_by("pk").values_list()),
        "projects": list(Project.objects.order_by("pk").values_list()),
        "memberships": list(ProjectMembership.objects.order_by("pk").values_list()),
        "invitations": list(Invitation.objects.order_by("pk").values_list()),
    }


def client_with_token(user: User) -> APIClient:
    """A REST client authenticated with the user's API token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def generated(max_examples: int, **extra):
    """Hypothesis settings for generated tests whose every example sends dozens of requests.

    Inputs come from the profile loaded in tests/conftest.py (derandomized in
    CI). Shrinking is off unless HYPOTHESIS_SHRINK=1: shrinking such a test
    takes minutes, and the first failing input, printed in full, already says
    what broke. Set it to get the smallest failing input instead.
    """
    import os

    from hypothesis import Phase, settings

    phases = list(Phase) if os.environ.get("HYPOTHESIS_SHRINK") == "1" else [Phase.explicit, Phase.generate]
    return settings(max_examples=max_examples, phases=phases, **extra)


@contextmanager
def rolled_back():
    """Everything inside is undone: each generated population lives for one example only."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
