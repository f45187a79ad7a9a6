"""Root mutations: each one calls one core service and shapes its answer.

Errors are data, not GraphQL errors (``handle_django_errors``):

- the services' ``ValidationError`` becomes ``OperationInfo`` with one message
  per problem, ``kind: VALIDATION``, ``field`` in camelCase as the input names
  it (``displayName``; ``null`` for a non-field error) and Django's ``code``;
- a missing id and another user's id (the services raise ``DoesNotExist`` for
  both) become the same ``OperationInfo``: ``kind: ERROR``, ``Not found.``,
  code ``not_found``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
import strawberry_django
from strawberry.types import Info
from strawberry_django.fields.types import OperationInfo, OperationMessage

from api import services as examples
from api.models import ExampleModel
from authentication import services as accounts

from .context import viewer
from .errors import NOT_FOUND_MESSAGE
from .types import (
    ExampleInput,
    ExamplePartialInput,
    ExamplePayload,
    ProfileInput,
    ProfilePayload,
    given_fields,
)


def not_found() -> OperationInfo:
    return OperationInfo(
        messages=[
            OperationMessage(kind=OperationMessage.Kind.ERROR, message=NOT_FOUND_MESSAGE, code="not_found")
        ]
    )


def _on_example(service: Callable[..., ExampleModel], **kwargs: Any) -> ExampleModel | OperationInfo:
    try:
        return service(**kwargs)
    except ExampleModel.DoesNotExist:
        return not_found()


@strawberry.type
class Mutation:
    @strawberry_django.mutation(handle_django_errors=True)
    def create_example(self, info: Info, data: ExampleInput) -> ExamplePayload:
        return examples.example_create(user=viewer(info), title=data.title, content=data.content)

    @strawberry_django.mutation(handle_django_errors=True)
    def update_example(self, info: Info, data: ExamplePartialInput) -> ExamplePayload:
        return _on_example(
            examples.example_update,
            user=viewer(info),
            example_id=data.id,
            data=given_fields(data, ("title", "content")),
        )

    @strawberry_django.mutation(
        handle_django_errors=True, description="Deletes one example and returns it as it was."
    )
    def delete_example(self, info: Info, id: strawberry.ID) -> ExamplePayload:
        return _on_example(examples.example_delete, user=viewer(info), example_id=id)

    @strawberry_django.mutation(
        handle_django_errors=True, description="Copies one example; the copy's title ends in ` (copy)`."
    )
    def duplicate_example(self, info: Info, id: strawberry.ID) -> ExamplePayload:
        return _on_example(examples.example_duplicate, user=viewer(info), example_id=id)

    @strawberry_django.mutation(handle_django_errors=True)
    def update_profile(self, info: Info, data: ProfileInput) -> ProfilePayload:
        return accounts.profile_update(
            user=viewer(info), data=given_fields(data, ("display_name", "bio", "timezone"))
        )
