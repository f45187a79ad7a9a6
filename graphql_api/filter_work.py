"""What a GraphQL ``filters`` argument asks the database to do, counted before it runs.

Read by the filter limits (graphql_api.inputs.BoundedFilter) and the cost
estimate (graphql_api.cost); here so that neither imports the other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from strawberry import UNSET

from api.search import count_terms

# strawberry-django's logical fields of every filter type, and the filter field that searches.
BRANCH_FIELDS = ("AND", "OR", "NOT")
SEARCH_FIELD = "search"


@dataclasses.dataclass
class FilterWork:
    """What one filter argument asks the database to do."""

    branches: int = 0  # AND/OR/NOT given, at any depth
    terms: int = 0  # words of every `search`, at any depth
    conditions: int = 0  # lookups and searches given, at any depth (graphql_api.cost)


def given(value: Any) -> bool:
    return value is not None and value is not UNSET


def filter_work(value: Any) -> FilterWork:
    """Count the branches, search words and conditions of a filter (a Strawberry input object or a dict).

    graphql-core's coerced variables (the cost estimate) are dicts; the
    resolver's arguments are Strawberry input objects: both are walked alike.
    """
    work = FilterWork()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
            continue
        fields: Iterable[tuple[str, Any]]
        if isinstance(item, dict):
            fields = item.items()
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            fields = ((field.name, getattr(item, field.name)) for field in dataclasses.fields(item))
        else:
            continue
        for name, child in fields:
            if not given(child) or name == "DISTINCT":
                continue
            if name in BRANCH_FIELDS:
                work.branches += 1
                stack.append(child)
            elif isinstance(child, dict) or (dataclasses.is_dataclass(child) and not isinstance(child, type)):
                stack.append(child)  # a lookup object: each lookup in it is a condition
            else:
                work.conditions += 1
                if name == SEARCH_FIELD and isinstance(child, str):
                    work.terms += count_terms(child)
    return work
