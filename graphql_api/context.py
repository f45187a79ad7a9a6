"""What resolvers need from the request, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from strawberry.types import Info


def viewer(info: Info) -> AbstractBaseUser | AnonymousUser:
    """The caller, as ``graphql_api.views.GraphQLView`` authenticated them (token or session)."""
    return info.context.request.user
