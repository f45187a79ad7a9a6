"""What the audit trail records, beyond the resource matrix (tests/matrix/audit_trail.py checks every route).

The surfaces the matrix does not call (admin, commands), the redaction
rule, and that an entry lives and dies with its write's transaction.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from api import services
from api.models import ExampleModel, ProjectRole
from audit.models import AuditEntry
from audit.prune import pruned_through
from audit.recorder import REDACTED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_a_service_outside_any_request_is_the_commands_surface_with_its_actor_and_before_after():
    author = UserFactory()
    example = services.example_create(user=author, title="First", content="x")
    services.example_update(user=author, example_id=example.pk, data={"title": "Second"})
    services.example_delete(user=author, example_id=example.pk)

    created, updated, deleted = entries(resource="api.examplemodel", object_id=str(example.pk))
    assert [e.action for e in (created, updated, deleted)] == ["create", "update", "delete"]
    assert {(e.actor_id, e.surface, e.request_id) for e in (created, updated, deleted)} == {
        (author.pk, "command", "")
    }
    assert created.changes["title"] == [None, "First"]
    assert updated.changes["title"] == ["First", "Second"]
    assert "content" not in updated.changes  # only what changed
    assert deleted.changes["title"] == ["Second", None]
    assert created.row_owner_id == author.pk


def test_an_entry_is_rolled_back_with_its_write():
    author = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.example_create(user=author, title="Never")
        raise RuntimeError("the caller's transaction fails after the write")

    assert not ExampleModel.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_admin_is_its_own_surface_with_the_staff_user_and_the_request_id(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    example = services.example_create(user=UserFactory(), title="Before")
    client.force_login(root)

    response = client.post(
        reverse("admin:api_examplemodel_change", args=[example.pk]),
        {"user": example.user_id, "title": "After", "content": "", "project": ""},
        HTTP_X_REQUEST_ID="admin-request-1",
    )

    assert response.status_code == 302, response.content[:500]
    (entry,) = entries(action="update")
    assert (entry.surface, entry.actor_id, entry.request_id) == ("admin", root.pk, "admin-request-1")
    assert entry.changes["title"] == ["Before", "After"]


def test_a_management_command_is_the_commands_surface():
    call_command("seed_demo_data", "--users", "1", "--examples", "2", "--force", stdout=io.StringIO())

    seeded = entries()
    assert seeded and {e.surface for e in seeded} == {"command"}


def test_who_an_invited_name_resolved_to_is_never_stored():
    owner, invitee = UserFactory(), UserFactory()
    project = services.project_create(user=owner, name="P")
    invitation = services.invitation_create(
        user=owner, project_id=project.pk, username=invitee.username, role=ProjectRole.EDITOR
    )

    (entry,) = entries(resource="api.invitation")
    assert entry.changes["invitee_id"] == [REDACTED, REDACTED]
    assert entry.changes["username_key"] == [REDACTED, REDACTED]
    assert str(invitee.pk) not in str(entry.changes["invitee_id"])
    assert entry.project_id == project.pk
    # Accepting: the membership is recorded with the invitee as its actor, the invitation's end too.
    services.invitation_accept(user=invitee, invitation_id=invitation.pk)
    membership, gone = entries(actor_id=invitee.pk)
    assert (membership.resource, membership.action, gone.action) == (
        "api.projectmembership",
        "create",
        "delete",
    )


def test_deleting_a_project_records_its_examples_leaving_it():
    owner = UserFactory()
    project = services.project_create(user=owner, name="P")
    example = services.example_create(user=owner, title="Stays", project_id=project.pk)

    services.project_delete(user=owner, project_id=project.pk)

    (left,) = entries(resource="api.examplemodel", action="update")
    assert (left.object_id, left.changes) == (str(example.pk), {"project_id": [project.pk, None]})


def test_prune_audit_deletes_entries_past_retention_and_marks_how_far(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    author = UserFactory()
    old = services.example_create(user=author, title="Old")
    AuditEntry.objects.update(created_at=timezone.now() - timedelta(days=31))
    services.example_update(user=author, example_id=old.pk, data={"title": "Recent"})
    out = io.StringIO()

    call_command("prune_audit", stdout=out)

    assert out.getvalue().strip() == "Pruned 1 audit entries."
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["update"]
    assert pruned_through() == AuditEntry.objects.get().pk - 1
