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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import strawberry
import strawberry_django
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

# Model field name in a service's ValidationError -> the input's name for it.
FIELD_NAMES = {"project": "project_id", "user": "username"}
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


@contextmanager
def _input_field_names() -> Iterator[None]:
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {FIELD_NAMES.get(name, name): errors for name, errors in error.error_dict.items()}
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

    @strawberry_django.mutation(handle_django_errors=True)
    def update_example(
        self,
        info: Info,
        data: ExamplePartialInput,
        if_updated_at: Annotated[dt.datetime | None, IF_UPDATED_AT] = None,
    ) -> ExamplePayload:
        return _call(
            services.example_update,
            user=viewer(info),
            example_id=data.id,
            data=given_fields(data, ("title", "content", "project_id")),
            expected=expected(if_updated_at),
        )

    @strawberry_django.mutation(
        handle_django_errors=True, description="Deletes one example and returns it as it was."
    )
    def delete_example(
        self,
        info: Info,
        id: strawberry.ID,
        if_updated_at: Annotated[dt.datetime | None, IF_UPDATED_AT] = None,
    ) -> ExamplePayload:
        return _call(
            services.example_delete, user=viewer(info), example_id=id, expected=expected(if_updated_at)
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

    @strawberry_django.mutation(
        handle_django_errors=True, description="The owner changes name or description."
    )
    def update_project(
        self,
        info: Info,
        data: ProjectPartialInput,
        if_updated_at: Annotated[dt.datetime | None, IF_UPDATED_AT] = None,
    ) -> ProjectPayload:
        return _call(
            services.project_update,
            user=viewer(info),
            project_id=data.id,
            data=given_fields(data, ("name", "description")),
            expected=expected(if_updated_at),
        )

    @strawberry_django.mutation(
        handle_django_errors=True,
        description="The owner deletes a project; its examples stay with their authors. Returns it as it was.",
    )
    def delete_project(
        self,
        info: Info,
        id: strawberry.ID,
        if_updated_at: Annotated[dt.datetime | None, IF_UPDATED_AT] = None,
    ) -> ProjectPayload:
        return _call(
            services.project_delete, user=viewer(info), project_id=id, expected=expected(if_updated_at)
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
