"""The audit trail as the live events' outbox: event ids, and what a resuming subscriber missed.

Every live event carries the id of the audit entry its write made
(``event_id``); a subscriber that reconnects passes the last one it saw
(``exampleEvents(after:)``) and is first sent, from this log, every event
after it that it may see now (graphql_api.subscriptions), then the live
ones. Redis only carries the live ones; nothing a subscriber missed while
Redis or its node was down is lost, as long as it is within retention.

A resume is refused with a coded error (``RESUME_EXPIRED``: refetch, then
subscribe without ``after``) when entries after ``after`` were pruned
(``reason: PAST_RETENTION``) or when more than ``AUDIT_RESUME_MAX_EVENTS``
candidate entries follow it (``reason: TOO_MANY_MISSED``): one resume never
costs more than that many rows and checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from api import policy
from api.models import Project

from .models import Action, AuditEntry
from .prune import pruned_through
from .recorder import ENTRY_ATTRIBUTE, label_of

RESUME_EXPIRED = "RESUME_EXPIRED"
PAST_RETENTION = "PAST_RETENTION"
TOO_MANY_MISSED = "TOO_MANY_MISSED"


class ResumeRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def event_id_of(instance: models.Model) -> int | None:
    """The id of the last entry written for ``instance`` (after commit): from the instance, else the log."""
    known = getattr(instance, ENTRY_ATTRIBUTE, None)
    if known is not None:
        return known
    # An instance the write did not go through (the admin deletes a queryset's own copies).
    label = label_of(type(instance))
    entries = AuditEntry.objects.filter(resource=label, object_id=str(instance.pk))
    return entries.order_by("-id").values_list("id", flat=True).first()


@dataclass(frozen=True)
class Missed:
    """One entry a resuming subscriber may be sent (its audience is checked at delivery)."""

    event_id: int
    action: str
    object_id: int
    project_id: int | None
    row_owner_id: int | None


def missed(model: type[models.Model], user: Any, after: int, project_id: int | None) -> list[Missed]:
    """The entries of ``model`` after ``after`` that could concern ``user``: their own rows and the
    rows of projects they see now (or of ``project_id`` alone), oldest first; else ``ResumeRefused``."""
    if after < pruned_through():
        raise ResumeRefused(
            PAST_RETENTION, "Events after this id are past retention: refetch, then subscribe again."
        )
    label = model._meta.label_lower
    rows = AuditEntry.objects.filter(resource=label, id__gt=after)
    if project_id is not None:
        rows = rows.filter(project_id=project_id)
    else:
        visible = policy.restrict(Project.objects.all(), user, policy.VIEW).order_by().values("pk")
        rows = rows.filter(Q(row_owner_id=user.pk) | policy.in_subquery("project_id", visible))
    limit = settings.AUDIT_RESUME_MAX_EVENTS
    found = list(
        rows.order_by("id").values_list("id", "action", "object_id", "project_id", "row_owner_id")[
            : limit + 1
        ]
    )
    if len(found) > limit:
        raise ResumeRefused(
            TOO_MANY_MISSED, f"More than {limit} events were missed: refetch, then subscribe again."
        )
    return [
        Missed(pk, action, int(object_id), project, owner) for pk, action, object_id, project, owner in found
    ]


def saw_before_delete(user: Any, entry: Missed) -> bool:
    """Whether ``user`` may be told a row went, replayed: it was theirs, or it was in a project they see now.

    Live, the deleting transaction names who could see the row (api.events);
    replayed, that audience is gone with the row, so the rule is read from the
    entry and the policy at delivery.
    """
    if entry.row_owner_id == user.pk:
        return True
    if entry.project_id is None:
        return False
    return policy.restrict(Project.objects.filter(pk=entry.project_id), user, policy.VIEW).exists()


KINDS: dict[str, str] = {Action.CREATE: "CREATED", Action.UPDATE: "UPDATED", Action.DELETE: "DELETED"}
