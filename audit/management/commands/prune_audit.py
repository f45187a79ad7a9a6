"""``manage.py prune_audit``: delete audit entries older than AUDIT_RETENTION_DAYS (run it daily from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit.prune import prune


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = prune()
        self.stdout.write(f"Pruned {deleted} audit entries.")
