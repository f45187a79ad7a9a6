from __future__ import annotations

from rest_framework import serializers

from .models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(
        source="actor_id", allow_null=True, help_text="The user who wrote; null: a command or task."
    )
    project = serializers.IntegerField(
        source="project_id", allow_null=True, help_text="The project the row was in."
    )
    changes = serializers.JSONField(
        help_text='`{field: [before, after]}`; a sensitive field shows `"[redacted]"`.'
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "surface",
            "request_id",
            "action",
            "resource",
            "object_id",
            "project",
            "changes",
        ]
        read_only_fields = fields
