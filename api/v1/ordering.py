"""`?ordering=` on every `/api/v1/` list: one parser, one filter backend.

A viewset opts in with ``ordering_fields`` (the keys a client may sort by);
``OrderingFilter`` (in REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]) reads the
parameter through ``parse_ordering`` and sorts by the keys, then by the id
tie breaker. Without ``ordering`` the model's ``Meta.ordering`` applies.

The rules, so that a client never gets an order it did not ask for:

- several keys, comma-separated: ``title,-created_at`` (``-`` descending);
- each key from ``ordering_fields``; anything else is a 400
  ``{"ordering": [message]}`` naming the key. A key given again
  (``title,-title``) is dropped: once rows are sorted by a field, a second
  sort by it breaks no tie (GraphQL's ``ordering`` list drops it alike: Django
  leaves a repeated term out of the ``ORDER BY``);
- at most as many keys as ``ordering_fields`` has fields, repeats included,
  counted before any key is looked at: 40,000 keys are a 400 (GraphQL's
  list has the same cap, graphql_api.lists);
- ``-id`` always comes last, so equal keys keep one order from page to page;
- the parameter given twice (``?ordering=a&ordering=b``, what a client that
  encodes lists as repeated parameters sends) is a 400, never silently the
  last one (DRF's and django-filter's ``QueryDict.get``).

Other code that needs the caller's ordering (a keyset paginator accepting
only some keys) calls ``ordering_keys(request, allowed)`` or
``parse_ordering`` itself, so there is one reading of the parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

PARAMETER = "ordering"
# The stable tie breaker, as in every model's Meta.ordering (api.querysets.DEFAULT_ORDERING).
TIEBREAK = "-id"
# A key is echoed in the error message; one longer than this is cut there.
ECHO_MAX = 40


class OrderingError(ValueError):
    """An ``ordering`` value that is refused; ``str()`` is the message for the client."""


def _shown(key: str) -> str:
    return key if len(key) <= ECHO_MAX else key[:ECHO_MAX] + "…"


def parse_ordering(values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...] | None:
    """The ``order_by`` keys for the ``ordering`` values of one request, or None for the default.

    ``values`` is every value the parameter was given (``QueryDict.getlist``);
    ``allowed`` the field names a client may sort by. Blank items
    (``title,``) are skipped; an empty value means the default order.
    """
    if len(values) > 1:
        raise OrderingError(
            "Give `ordering` once, with its keys separated by commas (e.g. `title,-created_at`)."
        )
    raw = values[0] if values else ""
    keys = [key for key in (item.strip() for item in raw.split(",")) if key]
    if not keys:
        return None
    if len(keys) > len(allowed):
        # The words of GraphQL's cap (graphql_api.lists.too_many).
        raise OrderingError(f"`{PARAMETER}` takes at most {len(allowed)} items; {len(keys)} given.")
    seen: set[str] = set()
    ordering: list[str] = []
    for key in keys:
        name = key[1:] if key.startswith("-") else key
        if name not in allowed:
            choices = ", ".join(allowed)
            raise OrderingError(
                f"`{_shown(key)}` is not one of the available choices: {choices} "
                "(`-` before a key for descending)."
            )
        if name not in seen:
            seen.add(name)
            ordering.append(key)
    return (*ordering, TIEBREAK)


def ordering_keys(request: Request, allowed: Sequence[str]) -> tuple[str, ...] | None:
    """``parse_ordering`` of a request's query string, its error a 400 ``{"ordering": [...]}``."""
    try:
        return parse_ordering(request.query_params.getlist(PARAMETER), allowed)
    except OrderingError as exc:
        raise ValidationError({PARAMETER: [str(exc)]}) from None


def ordering_pattern(allowed: Sequence[str]) -> str:
    """The regular expression of a well-formed value, for the OpenAPI document (the parser also skips blanks)."""
    key = "-?(" + "|".join(allowed) + ")"
    return f"^{key}(,{key})*$"


class OrderingFilter(filters.OrderingFilter):
    """DRF's ordering backend, strict: the keys of ``view.ordering_fields`` only, or a 400.

    A view with no ``ordering_fields`` is not ordered by the client (DRF's
    default, every serializer field, is not a choice we make for a view).
    """

    ordering_param = PARAMETER

    def allowed(self, view) -> tuple[str, ...]:
        return tuple(getattr(view, "ordering_fields", None) or ())

    def get_ordering(self, request, queryset, view) -> tuple[str, ...] | None:
        allowed = self.allowed(view)
        if not allowed:
            return None
        return ordering_keys(request, allowed)

    def filter_queryset(self, request, queryset: models.QuerySet, view) -> models.QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_valid_fields(self, queryset, view, context=None) -> list[tuple[str, str]]:
        return [(name, name.replace("_", " ").capitalize()) for name in self.allowed(view)]

    def get_template_context(self, request, queryset, view) -> dict:
        # The browsable API's Filters dialog (DRF's template); a refused value shows no current choice.
        try:
            ordering = self.get_ordering(request, queryset, view)
        except ValidationError:
            ordering = None
        options = []
        for key, label in self.get_valid_fields(queryset, view):
            options += [(key, f"{label} - ascending"), (f"-{key}", f"{label} - descending")]
        return {
            "request": request,
            "current": ordering[0] if ordering else None,
            "param": self.ordering_param,
            "options": options,
        }

    def to_html(self, request, queryset, view) -> str:
        if not self.allowed(view):
            return ""
        return super().to_html(request, queryset, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        allowed = self.allowed(view)
        if not allowed:
            return []
        keys = ", ".join(f"`{name}`" for name in allowed)
        example = f"{allowed[-1]},-{allowed[0]}"
        return [
            {
                "name": PARAMETER,
                "required": False,
                "in": "query",
                "description": (
                    f"Sort by one or more comma-separated keys of {keys}, `-` before a key for "
                    f"descending (e.g. `{example}`). Ties are broken by id, newest first. "
                    "A key given again is dropped. An unknown key, more keys than there are "
                    "fields, or the parameter given twice, is a 400. "
                    "Default: newest first."
                ),
                "schema": {"type": "string", "pattern": ordering_pattern(allowed)},
                "example": example,
            }
        ]
