"""Reads: querysets that go through the one policy (api.policy).

``Model.objects.restrict(user, action)`` is the only way any surface reads
rows for a request; ``ExampleModel.objects.visible_to(user)`` is
``restrict(user, VIEW)``. REST viewsets, GraphQL types and resolvers, the
services and the graphene reference all start from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

from . import search

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Orderings every surface accepts: the REST `ordering` parameter and the
# GraphQL `ordering` argument map onto these fields.
ORDERING_FIELDS = ("created_at", "updated_at", "title")
# Largest value a BIGINT primary key can hold; beyond it databases raise.
MAX_PK = 2**63 - 1
# Ties are broken by id so pages are stable, as in Meta.ordering.
DEFAULT_ORDERING = ("-created_at", "-id")
# Longest search term or text lookup any surface accepts (REST `search`,
# GraphQL `ExampleFilter.search` and every text lookup). A title is at most
# 200 characters, and an unbounded LIKE pattern costs the database time in
# proportion to its length (SQLite refuses patterns past 50,000 bytes with an
# OperationalError, which would read as an outage).
SEARCH_MAX_LENGTH = 200


class SearchTermTooLong(ValueError):
    """A search term or text lookup longer than ``SEARCH_MAX_LENGTH``; the message is for the client."""

    def __init__(self, length: int) -> None:
        # Django's MaxLengthValidator wording, which REST's form field gives too.
        super().__init__(f"Ensure this value has at most {SEARCH_MAX_LENGTH} characters (it has {length}).")


def check_search_term(term: str) -> str:
    """``term`` unchanged, or ``SearchTermTooLong``."""
    if len(term) > SEARCH_MAX_LENGTH:
        raise SearchTermTooLong(len(term))
    return term


def parse_pk(value: object) -> int | None:
    """A client-supplied id as a primary key, or None when it cannot be one.

    Ids arrive as URL segments, GraphQL ``ID`` strings or JSON numbers; junk
    (letters, zero, negatives, values past BIGINT) means "no such row", never
    a database error.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_PK:
        return value
    return None


def search_condition(term: str) -> Q:
    """The condition behind ``ExampleQuerySet.search``, for callers that combine conditions.

    GraphQL's ``ExampleFilter`` nests ``search`` inside ``AND``/``OR``/``NOT``,
    which needs a ``Q`` rather than a filtered queryset. An empty or blank term
    is an empty ``Q`` (no condition); one past ``SEARCH_MAX_LENGTH`` is
    ``SearchTermTooLong`` (the surfaces refuse it before it gets here). What
    matches on each backend: api.search.
    """
    term = check_search_term(term).strip()
    if not term:
        return Q()
    return search.match(term)


class RestrictedQuerySet(models.QuerySet):
    """A queryset that reads through the policy (api.policy): ``restrict(user, action)``."""

    def restrict(self, user: AbstractBaseUser | AnonymousUser | None, action: str) -> Self:
        """The rows ``user`` may do ``action`` to (api.policy.restrict)."""
        from . import policy  # the policy imports the models, which import this module

        return policy.restrict(self, user, action)

    def get_by_id(self, value: object):
        """The row with this client-supplied id, else ``DoesNotExist``."""
        pk = parse_pk(value)
        if pk is None:
            raise self.model.DoesNotExist(f"No {self.model._meta.object_name} with that id.")
        return self.get(pk=pk)


class ExampleQuerySet(RestrictedQuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser | None) -> Self:
        """The examples ``user`` may see (``restrict(user, VIEW)``); anonymous: none."""
        from . import policy

        # Through the module, not self.restrict: callers also apply it unbound to
        # plain querysets of examples (a related manager's, in graphql_api.types).
        return policy.restrict(self, user, policy.VIEW)

    def search(self, term: str) -> Self:
        """The rows matching ``term`` (REST `search`, GraphQL `search`; what matches: api.search)."""
        condition = search_condition(term)
        return self.filter(condition) if condition else self

    def ranked_by(self, term: str) -> Self:
        """Best match for ``term`` first, then newest first, where search is ranked (api.search); else unchanged.

        Orders, does not filter: a list asked to search without an ordering of
        its own (REST offset pages, GraphQL ``examples``, the same rule on both).
        """
        score = search.rank(term)
        if score is None:
            return self
        return self.annotate(**{search.SEARCH_RANK: score}).order_by(
            f"-{search.SEARCH_RANK}", *DEFAULT_ORDERING
        )


class ProjectQuerySet(RestrictedQuerySet):
    def with_role(self, user: AbstractBaseUser | AnonymousUser | None) -> Self:
        """Each project annotated with ``user``'s role on it, in the same query (api.policy.with_role)."""
        from . import policy

        return policy.with_role(self, user)


class ProjectMembershipQuerySet(RestrictedQuerySet):
    pass


class InvitationQuerySet(RestrictedQuerySet):
    pass
