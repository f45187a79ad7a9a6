"""The audit trail: one row per write to a row of a model registered with the policy.

It is also the event outbox: its ids are the event ids live subscribers
resume from (graphql_api.subscriptions). See docs/decisions/0010-audit-trail-in-the-save-layer.md.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Surface(models.TextChoices):
    REST = "rest", "REST"
    GRAPHQL = "graphql", "GraphQL"
    ADMIN = "admin", "Admin"
    COMMAND = "command", "Command or task"
    WS = "ws", "WebSocket"


class Action(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"


class AuditEntry(models.Model):
    """Who changed what, when, from which request and surface.

    Plain integer columns, no foreign keys: history outlives the rows, users
    and projects it is about, and writing it never takes a lock on them.
    """

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor_id = models.BigIntegerField(null=True, blank=True)
    surface = models.CharField(max_length=10, choices=Surface.choices)
    request_id = models.CharField(max_length=128, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    # The model's label ("api.examplemodel") and the row's primary key.
    resource = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    # Whose history this row is in (audit.policy): the project it is in, and its author/owner.
    project_id = models.BigIntegerField(null=True, blank=True)
    row_owner_id = models.BigIntegerField(null=True, blank=True)
    # {field: [before, after]}; sensitive fields are never stored (audit.recorder.SENSITIVE).
    changes = models.JSONField(encoder=DjangoJSONEncoder, default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # The policy's two branches, each read newest first from its own index.
            models.Index(fields=["project_id", "-created_at", "-id"], name="audit_project_newest_idx"),
            models.Index(fields=["row_owner_id", "-created_at", "-id"], name="audit_owner_newest_idx"),
            # Resuming a subscription: one resource's entries after an id.
            models.Index(fields=["resource", "id"], name="audit_resource_id_idx"),
            # A row's history, and its last entry (audit.outbox.event_id_of).
            models.Index(fields=["resource", "object_id", "id"], name="audit_row_idx"),
            # Pruning by age.
            models.Index(fields=["created_at"], name="audit_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.resource} {self.object_id} by {self.actor_id}"


class PruneMark(models.Model):
    """The highest entry id pruned so far (one row): a resume from an id at or below it is too old."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    pruned_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"pruned through {self.pruned_through}"
