"""Shapes of `/api/v1/` bodies.

The serializer checks types and lengths so that a client gets field errors
before any write; the services validate the model again, look related rows
up through the policy and own the write.

Another user is only ever a ``public_user`` (``PublicUserSerializer``: id,
username, name): no email, profile, join date or token of anyone leaves
through these bodies.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import policy
from api.models import INVITATION_PENDING, OWNER_ROLE, Comment, ExampleModel, Project, ProjectRole
from authentication.identity import display_name, shown_name
from backend.fields import StrictCharField, StrictModelSerializer

from .relations import PolicyPrimaryKeyRelatedField
from .rows import RowComputed, RowListSerializer

EXAMPLE_FIELDS = ("id", "title", "content", "project", "owner", "created_at", "updated_at")
PROJECT_FIELDS = ("id", "name", "description", "owner", "role", "created_at", "updated_at")
# The columns a public_user reads, for select_related(...).only(...): nothing else of a user is loaded.
PUBLIC_USER_COLUMNS = ("id", "username", "first_name", "last_name", "profile__display_name")
CALLER_ROLES = (OWNER_ROLE, *ProjectRole.values)
# The annotation of ExampleModelViewSet's queryset: the project's id where the caller sees it.
SHOWN_PROJECT = "shown_project_id"


def public_user_columns(relation: str) -> tuple[str, ...]:
    """``PUBLIC_USER_COLUMNS`` reached through ``relation`` (``"user"`` -> ``"user__username"``, ...)."""
    return tuple(f"{relation}__{column}" for column in PUBLIC_USER_COLUMNS)


class PublicUserSerializer(serializers.Serializer):
    """Another user as anyone may see them: id, username and display name only."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField(
        help_text="The display name: the profile's display name, else the full name, else the username."
    )

    # `name` in a list read as rows (api/v1/rows.py): the same rule from the same columns.
    row_computed = {
        "name": RowComputed(("profile__display_name", "first_name", "last_name", "username"), shown_name)
    }

    class Meta:
        ref_name = "PublicUser"

    def get_name(self, user) -> str:
        return display_name(user)


class PolicyModelSerializer(StrictModelSerializer):
    """A ModelSerializer that never builds a relation field by itself.

    DRF would build ``PrimaryKeyRelatedField(queryset=Related.objects.all())``
    for a foreign key named in ``fields``: every row of the related table
    accepted and listed. Here that is an ``ImproperlyConfigured`` naming
    the field, so a relation is always declared, as a
    ``PolicyPrimaryKeyRelatedField`` or a read-only nested serializer.
    """

    def build_relational_field(self, field_name, relation_info):
        raise ImproperlyConfigured(
            f"{type(self).__name__}.{field_name} is a relation: declare it, e.g. "
            f"PolicyPrimaryKeyRelatedField(model={relation_info.related_model.__name__}, action=...), "
            "so that its choices come from the policy."
        )


# Text columns: stored as sent (trim_whitespace off, as the GraphQL surface
# stores them); no model validators copied here, since DRF's CharField already
# refuses NUL and enforces max_length and the service runs them in full_clean.
def _text(help_text: str) -> dict:
    return {"trim_whitespace": False, "validators": [], "help_text": help_text}


class ExampleModelSerializer(PolicyModelSerializer):
    """An example. Its author is always the caller: a `user`, `owner` or `id` in a request body is ignored."""

    owner = PublicUserSerializer(source="user", read_only=True, help_text="The author.")
    project = PolicyPrimaryKeyRelatedField(
        model=Project,
        action=policy.ADD,
        source="project_id",
        shown_from=SHOWN_PROJECT,
        allow_null=True,
        required=False,
        help_text=(
            "The project's id, or null for none. Putting an example into a project needs the right "
            "to add to it (its owner or an editor); any other id is a 400 `{project: [...]}`. Taking "
            "it out of its project (to another or to none) needs the right to delete it there (its "
            "author or the project's owner), else 403; its current project again is no change."
        ),
    )

    class Meta:
        model = ExampleModel
        fields = EXAMPLE_FIELDS
        read_only_fields = ("id", "created_at", "updated_at")
        # The list reads its page as `.values()` rows (api/v1/rows.py): same body, less CPU.
        list_serializer_class = RowListSerializer
        extra_kwargs = {
            "title": _text("1 to 200 characters."),
            "content": _text("Text, may be empty; at most 100,000 characters."),
        }


@extend_schema_field({"type": "string", "enum": list(CALLER_ROLES)})
class CallerRoleField(serializers.CharField):
    """The caller's role on a project: owner, editor or viewer (annotated by the list's query)."""


class ProjectSerializer(PolicyModelSerializer):
    """A project. Its owner is the caller who created it; `owner` and `role` in a body are ignored."""

    owner = PublicUserSerializer(read_only=True)
    role = CallerRoleField(read_only=True, help_text="The caller's role: owner, editor or viewer.")

    class Meta:
        model = Project
        fields = PROJECT_FIELDS
        read_only_fields = ("id", "created_at", "updated_at")
        extra_kwargs = {
            "name": _text("1 to 100 characters."),
            "description": _text("Text, may be empty; at most 2,000 characters."),
        }


class MemberSerializer(serializers.Serializer):
    """A member of a project: the user (public fields only), their role and when they were added."""

    user = PublicUserSerializer(read_only=True)
    role = serializers.ChoiceField(choices=ProjectRole.choices, help_text="editor or viewer.")
    added_at = serializers.DateTimeField(read_only=True)


class MemberRoleSerializer(serializers.Serializer):
    """A member's new role."""

    role = serializers.ChoiceField(choices=ProjectRole.choices, help_text="editor or viewer.")


@extend_schema_field({"type": "string", "enum": [INVITATION_PENDING]})
class InvitationStatusField(serializers.Field):
    """Always "pending": an invitation exists only until it is accepted, declined or cancelled."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value) -> str:
        return INVITATION_PENDING


class InviteSerializer(serializers.Serializer):
    """An invitation as its sender sees it: the username as typed, never who (or whether) it names."""

    id = serializers.IntegerField(read_only=True)
    username = StrictCharField(
        max_length=150,
        trim_whitespace=False,
        help_text="The username to invite (case-insensitive), shown back as typed.",
    )
    role = serializers.ChoiceField(choices=ProjectRole.choices, help_text="editor or viewer.")
    status = InvitationStatusField(help_text='Always "pending".')
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, help_text="After this it cannot be accepted.")

    class Meta:
        ref_name = "Invite"


class InvitedProjectSerializer(serializers.Serializer):
    """The project an invitation is to: its id and name only (the invitee is no member yet)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class InvitationSerializer(serializers.Serializer):
    """A pending invitation, as its invitee and the project's owner see it."""

    id = serializers.IntegerField(read_only=True)
    project = InvitedProjectSerializer(read_only=True)
    username = serializers.CharField(read_only=True, help_text="The name as the owner typed it.")
    role = serializers.ChoiceField(choices=ProjectRole.choices, read_only=True)
    status = InvitationStatusField(help_text='Always "pending".')
    invited_by = PublicUserSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class CommentSerializer(PolicyModelSerializer):
    """A comment; its author is the caller who wrote it (`owner` in a body is ignored)."""

    owner = PublicUserSerializer(source="user", read_only=True, help_text="The author.")
    example = PolicyPrimaryKeyRelatedField(
        model=ExampleModel, action=policy.VIEW, source="example_id", help_text="An example the caller sees."
    )

    class Meta:
        model = Comment
        fields = ("id", "example", "body", "owner", "created_at", "updated_at")
        read_only_fields = ("id", "created_at", "updated_at")
        extra_kwargs = {"body": _text("1 to 10,000 characters.")}


class CommentChangeSerializer(CommentSerializer):
    """A comment as PUT and PATCH take it: `body`; `example` is set on create (a sent one is ignored)."""

    # Read-only rather than a 400 on a different id: a client PUTs back what it GETs (example
    # included), read-only fields are how DRF ignores such input (as `owner`), and the OpenAPI
    # request body then has no `example` at all.

    example = PolicyPrimaryKeyRelatedField(
        model=ExampleModel,
        action=policy.VIEW,
        source="example_id",
        read_only=True,
        help_text="The example it is on, set when it was created.",
    )
