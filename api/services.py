"""Writes: the only code that creates, changes or deletes examples, projects, memberships and invitations.

Keyword-only, typed, atomic, and always given the acting user. Every lookup
goes through the policy (``api.policy.restrict`` / ``get_for_action``), never
through a filter on the owner, so the rules live in one place:

- a row the user may not see raises ``Model.DoesNotExist``, exactly like a
  missing or junk id;
- a row the user may see but not act on raises Django's ``PermissionDenied``;
- validation failures raise Django's ``ValidationError`` with field names;
- a caller past a rate (``INVITATION_THROTTLE_RATE``) gets ``RateLimited``.

REST and GraphQL translate the three into their own error shapes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeGuard, TypeVar, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from audit import context as audit_context
from authentication.identity import users_matching
from backend.validators import reject_nulls

from . import policy, versions
from .events import EventKind, announce_example
from .models import (
    TITLE_MAX_LENGTH,
    Comment,
    ExampleModel,
    Invitation,
    Project,
    ProjectMembership,
    ProjectRole,
)
from .querysets import parse_pk

COPY_SUFFIX = " (copy)"
UPDATABLE_FIELDS = frozenset({"title", "content", "project_id"})
PROJECT_UPDATABLE_FIELDS = frozenset({"name", "description"})
# One text for a project that is missing, junk, invisible or not one the caller may add to,
# so the answer never tells which.
INVALID_PROJECT = "Invalid project: not found or not one you can add examples to."
INVALID_PARENT: dict[type[models.Model], str] = {Project: INVALID_PROJECT}

AnyUser = AbstractBaseUser | AnonymousUser
M = TypeVar("M", bound=models.Model)


def _require_user(user: AnyUser | None) -> None:
    # Surfaces refuse anonymous callers before they get here; this is the
    # backstop that keeps a future caller from writing rows with no owner.
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Authentication required.")
    # Every service starts here: the audit trail records this user as the one who wrote.
    audit_context.acting_as(user)


def _queryset(queryset_or_model: models.QuerySet[M] | type[M]) -> models.QuerySet[M]:
    if isinstance(queryset_or_model, models.QuerySet):
        return queryset_or_model
    return queryset_or_model._default_manager.all()


def get_for_action(
    queryset_or_model: models.QuerySet[M] | type[M],
    *,
    user: AnyUser | None,
    action: str,
    pk: object,
    lock: bool = False,
) -> M:
    """The row ``pk`` if ``user`` may see it and do ``action`` to it.

    Not visible, missing or junk: ``Model.DoesNotExist`` (one answer for all
    three, so existence never leaks). Visible but not allowed:
    ``PermissionDenied``. ``lock`` takes the row FOR UPDATE (PostgreSQL), so
    concurrent writers to one row queue up instead of overwriting each
    other from stale reads; a no-op on SQLite, which serialises writers.
    """
    queryset = _queryset(queryset_or_model)
    model = queryset.model
    key = parse_pk(pk)
    if key is None:
        raise model.DoesNotExist(f"No {model._meta.object_name} with that id.")
    visible = policy.restrict(queryset, user, policy.VIEW)
    if lock:
        visible = visible.select_for_update()
    try:
        instance = visible.get(pk=key)
    except model.DoesNotExist:
        raise model.DoesNotExist(f"No {model._meta.object_name} with that id.") from None
    if action != policy.VIEW and not policy.restrict(queryset, user, action).filter(pk=key).exists():
        raise PermissionDenied(f"You may not {action} this {model._meta.verbose_name}.")
    return instance


def _validated_save(instance: M, *, fields: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> M:
    """Validate and save; with ``fields``, write only those (and updated_at)."""
    # Relations were set by the service from rows it looked up, not by the
    # client; ``exclude`` skips their existence queries.
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    if fields is None:
        instance.save()
    else:
        names = list(fields)
        if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
            names.append("updated_at")
        instance.save(update_fields=names)
    return instance


def locked_row(
    model: type[M], *, user: AnyUser, action: str, pk: object, expected: versions.Precondition | None
) -> M:
    """The row ``pk`` that ``user`` may do ``action`` to, locked, and as the client last saw it.

    ``get_for_action(..., lock=True)`` then ``versions.check(row, expected)``: the start of every
    update and delete service (``expected`` is REST's If-Match, GraphQL's ifUpdatedAt).
    """
    _require_user(user)
    row = get_for_action(model, user=user, action=action, pk=pk, lock=True)
    versions.check(row, expected)
    return row


def deleted(row: M) -> M:
    """Delete ``row``; returns it as it was (id included) for the caller to echo."""
    pk = row.pk
    row.delete()
    row.pk = pk
    return row


def model_update(instance: M, *, data: Mapping[str, Any], fields: Iterable[str]) -> M:
    """Set the ``fields`` present in ``data`` on ``instance``, validate and save only those.

    HackSoft's ``model_update``: a key of ``data`` outside ``fields`` is a
    programming error (ValueError), never silently written. Only the changed
    fields are validated and written: writing only the changed columns is a
    second guard, beside the row lock, against writing back a stale copy of
    a field nobody changed. Returns the instance.
    """
    allowed = set(fields)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"model_update cannot change {sorted(unknown)}")
    reject_nulls(type(instance), {k: v for k, v in data.items() if not k.endswith("_id")})
    for field, value in data.items():
        setattr(instance, field, value)
    # get_field takes a foreign key's attname ("project_id") as well as its name.
    names = {instance._meta.get_field(k).name for k in data}
    exclude = [f.name for f in instance._meta.fields if f.name not in names or f.is_relation]
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    columns = [instance._meta.get_field(name).attname for name in names]
    if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
        columns.append("updated_at")
    instance.save(update_fields=columns)
    return instance


# Parents: moving a row from one project to another (api.policy.Parent)


def _invalid_parent(parent: policy.Parent) -> ValidationError:
    message = INVALID_PARENT.get(parent.model) or (
        f"Invalid {parent.model._meta.verbose_name}: not found or not one you can add to."
    )
    return ValidationError({parent.name: [ValidationError(message, code="invalid")]})


def parent_to_add_to(parent: policy.Parent, *, user: AnyUser, parent_id: object) -> models.Model:
    """The parent row ``user`` may put rows into (TRANSFER_IN), locked; else one field error for all cases.

    Missing, junk, invisible and not allowed answer the same, so the answer
    never tells which. Locked so a concurrent delete of the parent cannot
    remove it between this check and the write of the row that points to it.
    """
    key = parse_pk(parent_id)
    found = None
    if key is not None:
        rows = policy.restrict(parent.model._default_manager.all(), user, policy.TRANSFER_IN)
        found = rows.select_for_update().filter(pk=key).first()
    if found is None:
        raise _invalid_parent(parent)
    return found


def parent_to_write(row: models.Model, *, user: AnyUser, parent_id: object) -> object:
    """The parent id to store on ``row`` when ``user`` asks to move it to ``parent_id`` (None: to none).

    The one transfer rule, for every model registered with a parent, checked
    on the row the caller already locked for CHANGE:

    - the row's current parent again is no change and needs no further
      right, as long as the caller can see that parent (else the answer
      would tell a removed author which parent their row is in);
    - taking the row out of its parent needs TRANSFER_OUT (the right to
      delete it) there: else ``PermissionDenied``, before the new parent is
      looked at, since the caller can see the row;
    - putting it into a parent needs TRANSFER_IN (ADD) on that parent: else
      the parent field's ``ValidationError``.
    """
    model = type(row)
    parent = policy.parent_of(model)
    if parent is None:
        raise ValueError(f"{model._meta.label} has no parent to move it between (api.policy.register).")
    current = getattr(row, parent.id_field)
    key = None if parent_id is None else parse_pk(parent_id)
    if current is not None and key == current and _sees(parent.model, user, key):
        return current
    if current is None and parent_id is None:
        return None
    if current is not None and not _may(model, user, policy.TRANSFER_OUT, row.pk):
        raise PermissionDenied(
            f"You may not take this {model._meta.verbose_name} out of its {parent.model._meta.verbose_name}."
        )
    if parent_id is None:
        return None
    return parent_to_add_to(parent, user=user, parent_id=parent_id).pk


def _sees(model: type[models.Model], user: AnyUser, pk: object) -> bool:
    return _may(model, user, policy.VIEW, pk)


def _may(model: type[models.Model], user: AnyUser, action: str, pk: object) -> bool:
    return policy.restrict(model._default_manager.filter(pk=pk), user, action).exists()


# Examples


@transaction.atomic
def example_create(
    *, user: AnyUser, title: str, content: str = "", project_id: object = None
) -> ExampleModel:
    _require_user(user)
    project = None
    if project_id is not None:
        project = parent_to_add_to(policy.EXAMPLE_PARENT, user=user, parent_id=project_id)
    example = ExampleModel(user=user, title=title, content=content, project=project)
    _validated_save(example, exclude=["user", "project"])
    announce_example(EventKind.CREATED, example)
    return example


@transaction.atomic
def example_update(
    *,
    user: AnyUser,
    example_id: object,
    data: Mapping[str, Any],
    expected: versions.Precondition | None = None,
) -> ExampleModel:
    """Change the given fields (title, content, project_id) of one example.

    ``expected``: what the client last saw (api.versions); checked on the
    locked row, else ``PreconditionFailed`` and nothing is written.

    ``project_id`` moves the example (None: out of any project) by the
    transfer rule (``parent_to_write``): besides CHANGE on the example,
    taking it out of its project needs the right to delete it there (its
    author or the project's owner), putting it into one the right to ADD to
    that project; its current project again is no change.
    """
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"example_update cannot change {sorted(unknown)}")
    example = locked_row(ExampleModel, user=user, action=policy.CHANGE, pk=example_id, expected=expected)
    changes = dict(data)
    if policy.EXAMPLE_PARENT.id_field in changes:
        changes[policy.EXAMPLE_PARENT.id_field] = parent_to_write(
            example, user=user, parent_id=changes[policy.EXAMPLE_PARENT.id_field]
        )
    model_update(example, data=changes, fields=UPDATABLE_FIELDS)
    announce_example(EventKind.UPDATED, example)
    return example


@transaction.atomic
def example_delete(
    *, user: AnyUser, example_id: object, expected: versions.Precondition | None = None
) -> ExampleModel:
    """Delete one example; returns it as it was (id included) for the caller to echo.

    ``expected`` as for ``example_update``.
    """
    example = locked_row(ExampleModel, user=user, action=policy.DELETE, pk=example_id, expected=expected)
    # Before the delete: the audience is who could see the row while it existed.
    announce_example(EventKind.DELETED, example)
    return deleted(example)


def duplicate_title(title: str) -> str:
    """``title`` plus " (copy)", shortened so the result fits the column."""
    return title[: TITLE_MAX_LENGTH - len(COPY_SUFFIX)] + COPY_SUFFIX


@transaction.atomic
def example_duplicate(*, user: AnyUser, example_id: object) -> ExampleModel:
    """A copy of an example the user can see, authored by the user.

    The copy stays in the source's project only when the user may add to
    it; otherwise it is in no project (a viewer's copy is their own).
    """
    _require_user(user)
    source = get_for_action(ExampleModel, user=user, action=policy.VIEW, pk=example_id)
    project = None
    if source.project_id is not None:
        project = (
            Project.objects.restrict(user, policy.ADD)
            .select_for_update()
            .filter(pk=source.project_id)
            .first()
        )
    copy = ExampleModel(
        user=user, title=duplicate_title(source.title), content=source.content, project=project
    )
    _validated_save(copy, exclude=["user", "project"])
    announce_example(EventKind.CREATED, copy)
    return copy


# Projects


@transaction.atomic
def project_create(*, user: AnyUser, name: str, description: str = "") -> Project:
    _require_user(user)
    return _validated_save(Project(owner=user, name=name, description=description), exclude=["owner"])


@transaction.atomic
def project_update(
    *,
    user: AnyUser,
    project_id: object,
    data: Mapping[str, Any],
    expected: versions.Precondition | None = None,
) -> Project:
    """Change the given fields (name, description) of one project: its owner only.

    ``expected`` as for ``example_update``.
    """
    unknown = set(data) - PROJECT_UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"project_update cannot change {sorted(unknown)}")
    project = locked_row(Project, user=user, action=policy.CHANGE, pk=project_id, expected=expected)
    return model_update(project, data=data, fields=PROJECT_UPDATABLE_FIELDS)


@transaction.atomic
def project_delete(
    *, user: AnyUser, project_id: object, expected: versions.Precondition | None = None
) -> Project:
    """Delete one project and its memberships; its examples leave it and stay with their authors.

    ``expected`` as for ``example_update``.
    """
    project = locked_row(Project, user=user, action=policy.DELETE, pk=project_id, expected=expected)
    # SET_NULL on ExampleModel.project: one UPDATE, no example deleted.
    return deleted(project)


# Comments


@transaction.atomic
def comment_create(*, user: AnyUser, example_id: object, body: str) -> Comment:
    """A comment by ``user`` on an example they see; any other id is one ``example`` field error."""
    _require_user(user)
    key = parse_pk(example_id)
    visible = ExampleModel.objects.restrict(user, policy.VIEW)
    # Locked, so the example cannot be deleted between this check and the insert.
    example = visible.select_for_update().filter(pk=key).first() if key is not None else None
    if example is None:
        raise ValidationError({"example": [ValidationError("Invalid example: not found.", code="invalid")]})
    return _validated_save(Comment(example=example, user=user, body=body), exclude=["example", "user"])


@transaction.atomic
def comment_update(*, user: AnyUser, comment_id: object, data: Mapping[str, Any], expected=None) -> Comment:
    """Change a comment's ``body``: its author only. It never moves: another ``example`` is ignored."""
    comment = locked_row(Comment, user=user, action=policy.CHANGE, pk=comment_id, expected=expected)
    return model_update(comment, data={k: v for k, v in data.items() if k == "body"}, fields=["body"])


@transaction.atomic
def comment_delete(*, user: AnyUser, comment_id: object, expected=None) -> Comment:
    """Delete a comment: its author or the example's project owner. Returns it as it was."""
    return deleted(locked_row(Comment, user=user, action=policy.DELETE, pk=comment_id, expected=expected))


# Memberships


def _check_role(role: object) -> str:
    if role not in ProjectRole.values:
        choices = ", ".join(ProjectRole.values)
        raise ValidationError(
            {"role": [ValidationError(f"Choose one of: {choices}.", code="invalid_choice")]}
        )
    return role


def _could_be_username(username: object) -> TypeGuard[str]:
    """A string that could name a user. Longer than the column can never match, and is not sent
    to the database: SQLite refuses a LIKE pattern past 50,000 bytes (iexact is a LIKE there)."""
    max_length = get_user_model()._meta.get_field("username").max_length or 150
    return (
        isinstance(username, str)
        and bool(username.strip())
        and len(username) <= max_length
        and "\x00" not in username
    )


def _target_user_id(*, user_id: object, username: object) -> int | None:
    """The id of the member meant by exactly one of ``user_id`` and ``username``; None if none such."""
    if (user_id is None) == (username is None):
        raise TypeError("Pass exactly one of user_id and username.")
    if user_id is not None:
        return parse_pk(user_id)
    if not _could_be_username(username):
        return None
    return (
        get_user_model()
        .objects.filter(username__iexact=username.strip())
        .values_list("pk", flat=True)
        .first()
    )


def _membership(*, user: AnyUser, project: Project, member_id: int | None, action: str) -> ProjectMembership:
    """The membership of ``member_id`` in ``project`` as the policy lets ``user`` see it.

    Missing: ``ProjectMembership.DoesNotExist``. Visible but ``action`` not
    allowed: ``PermissionDenied``.
    """
    queryset = ProjectMembership.objects.filter(project_id=project.pk, user_id=member_id or 0)
    membership = policy.restrict(queryset, user, policy.VIEW).select_for_update().first()
    if membership is None:
        raise ProjectMembership.DoesNotExist("No such member in this project.")
    if not policy.restrict(queryset, user, action).exists():
        raise PermissionDenied(f"You may not {action} this membership.")
    return membership


@transaction.atomic
def member_update(
    *,
    user: AnyUser,
    project_id: object,
    user_id: object = None,
    username: str | None = None,
    role: str,
) -> ProjectMembership:
    """Change a member's role: the project's owner only."""
    _require_user(user)
    project = get_for_action(Project, user=user, action=policy.MANAGE, pk=project_id, lock=True)
    role = _check_role(role)
    member_id = _target_user_id(user_id=user_id, username=username)
    membership = _membership(user=user, project=project, member_id=member_id, action=policy.CHANGE)
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(
    *, user: AnyUser, project_id: object, user_id: object = None, username: str | None = None
) -> ProjectMembership:
    """Remove a member: the owner removes anyone, a member may remove themself.

    The owner is no member and cannot leave their own project (a
    ValidationError; they may delete it or, later, hand it over). Anyone
    else who can see the project gets PermissionDenied.
    """
    _require_user(user)
    project = get_for_action(Project, user=user, action=policy.VIEW, pk=project_id, lock=True)
    member_id = _target_user_id(user_id=user_id, username=username)
    if member_id is not None and member_id == project.owner_id:
        if policy.restrict(Project.objects.filter(pk=project.pk), user, policy.MANAGE).exists():
            raise ValidationError(
                {"user": [ValidationError("The owner cannot leave their own project.", code="owner")]}
            )
        raise PermissionDenied("You may not remove the owner of this project.")
    membership = _membership(user=user, project=project, member_id=member_id, action=policy.DELETE)
    pk = membership.pk
    membership.delete()
    membership.pk = pk
    return membership


# Invitations
#
# Adding someone to a project is an invitation they accept: no account can
# put another into its project, and inviting never tells whether a username
# exists. A known and an unknown name run the same queries (one lookup, one
# upsert) and get the same answer; the unknown one's row has no invitee and
# can never be accepted.

RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(Exception):
    """The caller did this too often; ``wait`` is how many seconds until the next one is allowed."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"Too many invitations; try again in {wait} seconds.")
        self.wait = wait


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """DRF's "<count>/<period>" (20/hour), as settings.env_rate checked it."""
        count, _, period = text.partition("/")
        return cls(int(count), RATE_PERIODS[period[0]])


def _count_invitation(user: AbstractBaseUser) -> None:
    """Count one invitation by ``user``, or ``RateLimited`` past ``INVITATION_THROTTLE_RATE``.

    A sliding window in the default cache (as DRF's throttles keep theirs, so
    with ``REDIS_URL`` every process shares it), counted in the service so
    REST and GraphQL share one budget. Counted per invitation made, not per
    row kept: cancelling an invitation gives no probe back.
    """
    from django.core.cache import cache

    rate = Rate.parse(settings.INVITATION_THROTTLE_RATE)
    key = f"invitation-rate:{user.pk}"
    now = time.time()
    history = [t for t in cache.get(key, []) if t > now - rate.seconds]
    if len(history) >= rate.count:
        raise RateLimited(max(1, int(history[0] + rate.seconds - now + 1)))
    cache.set(key, [*history, now], rate.seconds)


def _username_key(username: object) -> str:
    if not _could_be_username(username):
        raise ValidationError({"username": [ValidationError("Enter a username.", code="invalid")]})
    return username.strip().lower()


def _invitee_id(*, project: Project, username: str) -> int | None:
    """The active user ``username`` names who could join ``project``, else None: one query either way.

    The owner and the project's members are left out in the same query, so
    inviting them reads and writes exactly what inviting a stranger does.
    """
    members = ProjectMembership.objects.filter(project_id=project.pk).values("user_id")
    return (
        users_matching("username", username)
        .filter(is_active=True)
        .exclude(pk=project.owner_id)
        .exclude(pk__in=members)
        .values_list("pk", flat=True)
        .first()
    )


@transaction.atomic
def invitation_create(*, user: AnyUser, project_id: object, username: object, role: str) -> Invitation:
    """Invite ``username`` to the project with ``role``: its owner only (MANAGE).

    Inviting a name that already has an invitation to this project renews it
    (role, inviter, expiry). The answer is the same whether the name is a
    user, nobody, the owner, a member or already invited.
    """
    _require_user(user)
    # Locked: two concurrent invitations of one name queue up, and the second renews the first.
    project = get_for_action(Project, user=user, action=policy.MANAGE, pk=project_id, lock=True)
    role = _check_role(role)
    key = _username_key(username)
    _count_invitation(user)
    typed = cast(str, username).strip()  # _username_key above refused anything else
    invitation, _ = Invitation.objects.update_or_create(
        project=project,
        username_key=key,
        defaults={
            "username": typed,
            "invitee_id": _invitee_id(project=project, username=typed),
            "invited_by": user,
            "role": role,
            "expires_at": timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        },
    )
    return invitation


def _resolved(invitation: Invitation) -> Invitation:
    pk = invitation.pk
    invitation.delete()
    invitation.pk = pk
    return invitation


@transaction.atomic
def invitation_accept(*, user: AnyUser, invitation_id: object) -> Invitation:
    """The invitee joins the project with the invitation's role; returns the invitation as it was.

    Only the invitee, before it expires (the policy's RESPOND); anyone else
    who may see it (the owner) gets PermissionDenied, the rest DoesNotExist.
    """
    _require_user(user)
    seen = get_for_action(Invitation, user=user, action=policy.RESPOND, pk=invitation_id)
    # The project first, then the invitation: the order project_delete takes them in
    # (it locks the project, then its cascade deletes the invitation).
    Project.objects.select_for_update().filter(pk=seen.project_id).exists()
    invitation = get_for_action(Invitation, user=user, action=policy.RESPOND, pk=seen.pk, lock=True)
    ProjectMembership.objects.get_or_create(
        project_id=invitation.project_id, user=user, defaults={"role": invitation.role}
    )
    return _resolved(invitation)


@transaction.atomic
def invitation_decline(*, user: AnyUser, invitation_id: object) -> Invitation:
    """The invitee says no: the invitation is gone and nothing else changes."""
    _require_user(user)
    invitation = get_for_action(Invitation, user=user, action=policy.RESPOND, pk=invitation_id, lock=True)
    return _resolved(invitation)


@transaction.atomic
def invitation_cancel(*, user: AnyUser, invitation_id: object) -> Invitation:
    """The project's owner withdraws an invitation (pending or expired)."""
    _require_user(user)
    invitation = get_for_action(Invitation, user=user, action=policy.DELETE, pk=invitation_id, lock=True)
    return _resolved(invitation)
