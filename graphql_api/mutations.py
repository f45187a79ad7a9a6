"""Root mutations: each one calls one core service and shapes its answer.

Errors are data, not GraphQL errors (``handle_django_errors``):

- the services' ``ValidationError`` becomes ``OperationInfo`` with one message
  per problem, ``kind: VALIDATION``, ``field`` in camelCase as the input names
  it (``displayName``; ``null`` for a non-field error) and Django's ``code``;
- a missing id and an id the caller may not see (the services raise
  ``DoesNotExist`` for both) become the same ``OperationInfo``: ``kind: ERROR``,
  ``Not found.``, code ``not_found``;
- a row the caller may see but not change (``PermissionDenied``) becomes
  ``kind: PERMISSION`` (strawberry-django's own translation);
- a row changed since the client's ``ifUpdatedAt`` (the services'
  ``PreconditionFailed``, checked on the locked row) becomes ``kind: ERROR``,
  code ``CONFLICT``, and nothing is written;
- a caller past a rate (the services' ``RateLimited``) becomes ``kind: ERROR``,
  code ``RATE_LIMITED``, and nothing is written.

The services name fields as the models do; ``FIELD_NAMES`` renames the few
whose input is called otherwise (``project`` -> ``projectId``, ``user`` ->
``username``), so ``field`` always names what the client sent.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import strawberry
import strawberry_django
from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from strawberry import UNSET
from strawberry.types import Info
from strawberry_django.fields.types import OperationInfo, OperationMessage

from api import services, versions
from authentication import services as accounts
from backend.metrics import GRAPHQL_ROUTE, GRAPHQL_SURFACE, record_throttled

from .context import viewer
from .errors import NOT_FOUND_MESSAGE
from .inputs import RejectNulCharacters
from .types import (
    CommentInput,
    CommentPartialInput,
    CommentPayload,
    ExampleInput,
    ExamplePartialInput,
    ExamplePayload,
    InvitationPayload,
    ProfileInput,
    ProfilePayload,
    ProjectInput,
    ProjectMemberInput,
    ProjectMemberPayload,
    ProjectPartialInput,
    ProjectPayload,
    given_fields,
)

# Model field name in a service's ValidationError -> the input's name for it: a relation is
# sent as its id (``project`` -> ``projectId``), except the user, who is named by username.
FIELD_NAMES = {"user": "username"}
CONFLICT_CODE = "CONFLICT"
RATE_LIMITED_CODE = "RATE_LIMITED"
IF_UPDATED_AT = strawberry.argument(
    description=(
        "The `updatedAt` the client last read. If the row has changed since, nothing is "
        "written and the answer is an `OperationInfo` with code `CONFLICT`."
    )
)


def not_found() -> OperationInfo:
    return OperationInfo(
        messages=[
            OperationMessage(kind=OperationMessage.Kind.ERROR, message=NOT_FOUND_MESSAGE, code="not_found")
        ]
    )


@functools.cache
def _relations() -> frozenset[str]:
    return frozenset(
        f.name for m in apps.get_app_config("api").get_models() for f in m._meta.fields if f.is_relation
    )


def input_name(name: str) -> str:
    """The input's name for a model field a service's ValidationError names."""
    return FIELD_NAMES.get(name) or (f"{name}_id" if name in _relations() else name)


@contextmanager
def _input_field_names() -> Iterator[None]:
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {input_name(name): errors for name, errors in error.error_dict.items()}
        ) from None


def conflict(message: str) -> OperationInfo:
    return OperationInfo(
        messages=[OperationMessage(kind=OperationMessage.Kind.ERROR, message=message, code=CONFLICT_CODE)]
    )


def expected(if_updated_at: dt.datetime | None) -> versions.IfUpdatedAt | None:
    """The services' ``expected`` for a mutation's ``ifUpdatedAt`` (None: write unconditionally)."""
    return None if if_updated_at is None else versions.IfUpdatedAt(if_updated_at)


def _call(service: Callable[..., Any], **kwargs: Any) -> Any:
    """Run one service; a missing or invisible row is ``not_found()``, the rest is handle_django_errors'."""
    try:
        with _input_field_names():
            return service(**kwargs)
    except ObjectDoesNotExist:
        return not_found()
    except versions.PreconditionFailed as error:
        return conflict(str(error))
    except services.RateLimited as error:
        record_throttled(GRAPHQL_SURFACE, GRAPHQL_ROUTE)
        return OperationInfo(
            messages=[
                OperationMessage(kind=OperationMessage.Kind.ERROR, message=str(error), code=RATE_LIMITED_CODE)
            ]
        )


IfUpdatedAt = Annotated[dt.datetime | None, IF_UPDATED_AT]


def conditional_update(
    service: Callable[..., Any],
    id_kwarg: str,
    data: type,
    payload: object,
    fields: tuple[str, ...],
    **options,
) -> Any:
    """``update<Type>(data: <Type>PartialInput!, ifUpdatedAt: DateTime)``: the given ``fields`` of the
    row ``data.id`` written by ``service`` (``user=``, ``<id_kwarg>=``, ``data=``, ``expected=``)."""

    def resolve(info: Info, data, if_updated_at: IfUpdatedAt = None):
        changes = given_fields(data, fields)
        return _call(
            service, user=viewer(info), **{id_kwarg: data.id}, data=changes, expected=expected(if_updated_at)
        )

    resolve.__annotations__.update({"data": data, "return": payload})
    return strawberry_django.mutation(resolver=resolve, handle_django_errors=True, **options)


def conditional_delete(service: Callable[..., Any], id_kwarg: str, payload: object, **options) -> Any:
    """``delete<Type>(id: ID!, ifUpdatedAt: DateTime)``: ``service`` (``user=``, ``<id_kwarg>=``,
    ``expected=``) deletes the row and it is returned as it was."""

    def resolve(info: Info, id: strawberry.ID, if_updated_at: IfUpdatedAt = None):
        return _call(service, user=viewer(info), **{id_kwarg: id}, expected=expected(if_updated_at))

    resolve.__annotations__["return"] = payload
    return strawberry_django.mutation(resolver=resolve, handle_django_errors=True, **options)


@strawberry.type
class Mutation:
    @strawberry_django.mutation(handle_django_errors=True)
    def create_example(self, info: Info, data: ExampleInput) -> ExamplePayload:
        return _call(
            services.example_create,
            user=viewer(info),
            title=data.title,
            content=data.content,
            project_id=None if data.project_id is UNSET else data.project_id,
        )

    update_example = conditional_update(
        services.example_update,
        "example_id",
        ExamplePartialInput,
        ExamplePayload,
        ("title", "content", "project_id"),
    )
    delete_example = conditional_delete(
        services.example_delete,
        "example_id",
        ExamplePayload,
        description="Deletes one example and returns it as it was.",
    )

    @strawberry_django.mutation(
        handle_django_errors=True, description="Copies one example; the copy's title ends in ` (copy)`."
    )
    def duplicate_example(self, info: Info, id: strawberry.ID) -> ExamplePayload:
        return _call(services.example_duplicate, user=viewer(info), example_id=id)

    @strawberry_django.mutation(handle_django_errors=True)
    def update_profile(self, info: Info, data: ProfileInput) -> ProfilePayload:
        return accounts.profile_update(
            user=viewer(info), data=given_fields(data, ("display_name", "bio", "timezone"))
        )

    @strawberry_django.mutation(handle_django_errors=True, description="A new project owned by the caller.")
    def create_project(self, info: Info, data: ProjectInput) -> ProjectPayload:
        return _call(services.project_create, user=viewer(info), name=data.name, description=data.description)

    update_project = conditional_update(
        services.project_update,
        "project_id",
        ProjectPartialInput,
        ProjectPayload,
        ("name", "description"),
        description="The owner changes name or description.",
    )
    delete_project = conditional_delete(
        services.project_delete,
        "project_id",
        ProjectPayload,
        description=(
            "The owner deletes a project; its examples stay with their authors. Returns it as it was."
        ),
    )

    @strawberry_django.mutation(
        handle_django_errors=True,
        extensions=[RejectNulCharacters()],
        description=(
            "The owner invites a user by username; they become a member when they accept. The same "
            "answer for any username (a user, nobody, a member, already invited: inviting again "
            "renews it). Past INVITATION_THROTTLE_RATE: OperationInfo code RATE_LIMITED."
        ),
    )
    def add_project_member(self, info: Info, data: ProjectMemberInput) -> InvitationPayload:
        return _call(
            services.invitation_create,
            user=viewer(info),
            project_id=data.project_id,
            username=data.username,
            role=data.role.value,
        )

    @strawberry_django.mutation(
        handle_django_errors=True,
        description="The invitee joins the project with the invitation's role. Returns it as it was.",
    )
    def accept_invitation(self, info: Info, id: strawberry.ID) -> InvitationPayload:
        return _call(services.invitation_accept, user=viewer(info), invitation_id=id)

    @strawberry_django.mutation(
        handle_django_errors=True, description="The invitee declines. Returns the invitation as it was."
    )
    def decline_invitation(self, info: Info, id: strawberry.ID) -> InvitationPayload:
        return _call(services.invitation_decline, user=viewer(info), invitation_id=id)

    @strawberry_django.mutation(
        handle_django_errors=True,
        description="The project's owner withdraws an invitation. Returns it as it was.",
    )
    def cancel_invitation(self, info: Info, id: strawberry.ID) -> InvitationPayload:
        return _call(services.invitation_cancel, user=viewer(info), invitation_id=id)

    # A username is looked up, not written: NUL would reach PostgreSQL as a text parameter.
    @strawberry_django.mutation(
        handle_django_errors=True,
        extensions=[RejectNulCharacters()],
        description="The owner changes a member's role.",
    )
    def update_project_member(self, info: Info, data: ProjectMemberInput) -> ProjectMemberPayload:
        return _call(
            services.member_update,
            user=viewer(info),
            project_id=data.project_id,
            username=data.username,
            role=data.role.value,
        )

    @strawberry_django.mutation(
        handle_django_errors=True,
        extensions=[RejectNulCharacters()],
        description="The owner removes a member, or a member leaves. Returns the membership as it was.",
    )
    def remove_project_member(
        self, info: Info, project_id: strawberry.ID, username: str
    ) -> ProjectMemberPayload:
        return _call(services.member_remove, user=viewer(info), project_id=project_id, username=username)

    @strawberry_django.mutation(
        handle_django_errors=True, description="A comment by the caller on an example they see."
    )
    def create_comment(self, info: Info, data: CommentInput) -> CommentPayload:
        return _call(services.comment_create, user=viewer(info), example_id=data.example_id, body=data.body)

    update_comment = conditional_update(
        services.comment_update, "comment_id", CommentPartialInput, CommentPayload, ("body",)
    )
    delete_comment = conditional_delete(
        services.comment_delete,
        "comment_id",
        CommentPayload,
        description="The author or the example's project owner deletes a comment. Returns it as it was.",
    )
