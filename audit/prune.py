"""Retention: entries older than ``AUDIT_RETENTION_DAYS`` are deleted, and the mark moves past them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import AuditEntry, PruneMark

BATCH = 5000


def pruned_through() -> int:
    """The highest id pruned so far: a subscriber resuming at or below it has missed events for good."""
    return PruneMark.objects.filter(pk=1).values_list("pruned_through", flat=True).first() or 0


@transaction.atomic
def prune(now: datetime | None = None) -> int:
    """Delete the entries past retention; returns how many. Safe to run from cron as often as wanted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    old = AuditEntry.objects.filter(created_at__lt=cutoff)
    highest = old.aggregate(top=Max("id"))["top"]
    if highest is None:
        return 0
    # By id, not by time alone: the mark must cover every id a resume could still ask for.
    deleted, _ = AuditEntry.objects.filter(id__lte=highest).delete()
    mark, _ = PruneMark.objects.select_for_update().get_or_create(pk=1)
    if highest > mark.pruned_through:
        mark.pruned_through = highest
        mark.save(update_fields=["pruned_through"])
    return deleted
