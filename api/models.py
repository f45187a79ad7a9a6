"""The data served by every surface."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

from backend.validators import prohibit_blank, prohibit_null_characters

from .querysets import (
    DEFAULT_ORDERING,
    ExampleQuerySet,
    InvitationQuerySet,
    ProjectMembershipQuerySet,
    ProjectQuerySet,
    RestrictedQuerySet,
)
from .search import (
    SEARCH_VECTOR_FIELD,
    SearchDocument,
    SearchVectorColumn,
    SearchVectorField,
    SearchVectorIndex,
)

TITLE_MAX_LENGTH = 200
CONTENT_MAX_LENGTH = 100_000
PROJECT_NAME_MAX_LENGTH = 100
PROJECT_DESCRIPTION_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 10_000


class ProjectRole(models.TextChoices):
    """A member's role. The owner is not a member: a caller's role is computed (api.policy.role_of)."""

    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# The caller's role on a project, as api.policy.role_of and with_role give it.
OWNER_ROLE = "owner"


class Project(models.Model):
    name = models.CharField(
        max_length=PROJECT_NAME_MAX_LENGTH, validators=[prohibit_null_characters, prohibit_blank]
    )
    description = models.TextField(
        blank=True,
        max_length=PROJECT_DESCRIPTION_MAX_LENGTH,
        validators=[MaxLengthValidator(PROJECT_DESCRIPTION_MAX_LENGTH), prohibit_null_characters],
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_projects"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = list(DEFAULT_ORDERING)
        indexes = [
            # Serves "the projects a user owns, newest first".
            models.Index(fields=["owner", "-created_at", "-id"], name="project_owner_newest_idx"),
            # And "... last changed first" (`?ordering=-updated_at`), walked in order too.
            models.Index(fields=["owner", "-updated_at", "-id"], name="project_owner_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectMembership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships"
    )
    role = models.CharField(max_length=10, choices=ProjectRole.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            # Its index (project, user) also serves "the members of a project".
            models.UniqueConstraint(fields=["project", "user"], name="unique_project_member"),
        ]
        indexes = [
            # Serves "the projects a user is a member of" (the policy's subqueries).
            models.Index(fields=["user", "project"], name="membership_user_project_idx"),
            # Serves "the members of a project, in the order they joined", a page at a time.
            models.Index(fields=["project", "added_at", "id"], name="membership_project_added_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"


class ExampleManager(models.Manager.from_queryset(ExampleQuerySet)):
    def get_queryset(self) -> ExampleQuerySet:
        # Search reads the column inside the database; no row needs it in Python.
        return super().get_queryset().defer(SEARCH_VECTOR_FIELD)


class ExampleModel(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="examples")
    title = models.CharField(
        max_length=TITLE_MAX_LENGTH, validators=[prohibit_null_characters, prohibit_blank]
    )
    content = models.TextField(
        blank=True,
        max_length=CONTENT_MAX_LENGTH,
        validators=[MaxLengthValidator(CONTENT_MAX_LENGTH), prohibit_null_characters],
    )
    # Deleting a project deletes no example: its examples leave it and stay with their authors.
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="examples"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Full-text search (api.search): kept by the database from title and
    # content; NULL on SQLite. Never read into Python.
    search_vector = SearchVectorColumn(
        expression=SearchDocument(), output_field=SearchVectorField(), db_persist=True
    )

    objects = ExampleManager()

    class Meta:
        ordering = list(DEFAULT_ORDERING)
        indexes = [
            # Serves "this user's rows, newest first", the query behind every list.
            models.Index(fields=["user", "-created_at", "-id"], name="example_user_newest_idx"),
            # Serves cursor pages ordered by updated_at (api.keyset) and the sync filters.
            models.Index(fields=["user", "-updated_at", "-id"], name="example_user_updated_idx"),
            # Serves the policy's "in my projects" branch in page order (api.policy.ordered_page).
            models.Index(fields=["project", "-created_at", "-id"], name="example_project_newest_idx"),
            # Serves search (api.search): GIN on PostgreSQL.
            SearchVectorIndex(fields=[SEARCH_VECTOR_FIELD], name="example_search_idx"),
        ]

    def __str__(self) -> str:
        return self.title


# The status every invitation shows: a row exists only while it is pending.
INVITATION_PENDING = "pending"


class Invitation(models.Model):
    """An owner's offer of a role on a project to a username; pending until answered, cancelled or expired.

    ``username`` is the name as the owner typed it (shown back to the owner,
    never anything else about anyone); ``username_key`` is it lower-cased, as
    usernames are unique ignoring case. ``invitee`` is the active user that
    name meant when the invitation was made, or null: an unknown name, the
    owner, or someone already a member. An invitation with no invitee can
    never be accepted, but is stored and answered like any other, so that
    inviting tells nobody whether a username exists. It is resolved once, at
    creation: a user who later renames themself to that name does not get it.
    A row exists only while pending: accepting, declining and cancelling
    delete it.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    username = models.CharField(max_length=150)
    username_key = models.CharField(max_length=150)
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations_received",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent"
    )
    role = models.CharField(max_length=10, choices=ProjectRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = list(DEFAULT_ORDERING)
        constraints = [
            # One pending invitation per name and project: inviting again renews it.
            # Its index (project, username_key) also serves "a project's invitations".
            models.UniqueConstraint(fields=["project", "username_key"], name="unique_project_invitation"),
        ]
        indexes = [
            # The two branches of the invitation policy, each walked newest first:
            # the caller's own invitations, and those of the projects they own.
            models.Index(fields=["invitee", "-created_at", "-id"], name="invitation_invitee_newest_idx"),
            models.Index(fields=["project", "-created_at", "-id"], name="invitation_project_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} to {self.project} ({self.role})"


class Comment(models.Model):
    """A remark on an example by its author; seen by whoever sees the example (api.policy.CommentPolicy)."""

    example = models.ForeignKey(ExampleModel, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(
        max_length=COMMENT_MAX_LENGTH,
        validators=[MaxLengthValidator(COMMENT_MAX_LENGTH), prohibit_null_characters, prohibit_blank],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = list(DEFAULT_ORDERING)
        indexes = [models.Index(fields=["example", "-created_at", "-id"], name="comment_example_newest_idx")]

    def __str__(self) -> str:
        return f"{self.user} on {self.example_id}"
