"""The one pagination rule, shared by REST and GraphQL.

Default page size 20, maximum 100 (settings ``API_PAGE_SIZE_DEFAULT`` and
``API_PAGE_SIZE_MAX``); a larger limit is clamped, a negative, zero or
non-numeric one is a client error. Offsets are bounded by the GraphQL ``Int``
range so both surfaces accept exactly the same values.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

MAX_OFFSET = 2**31 - 1


class PageError(ValueError):
    """A client sent a limit or offset that cannot be used; ``field`` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def _as_int(field: str, value: object) -> int:
    if isinstance(value, bool):
        raise PageError(field, f"{field} must be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 20:
        try:
            return int(value)
        except ValueError:
            # isdigit() accepts what int() refuses: "²", "--5".
            pass
    raise PageError(field, f"{field} must be an integer.")


def parse_page(limit: object = None, offset: object = None) -> Page:
    """Validate and clamp a client's limit and offset (None or "" means default)."""
    page_max = settings.API_PAGE_SIZE_MAX
    if limit is None or limit == "":
        size = min(settings.API_PAGE_SIZE_DEFAULT, page_max)
    else:
        size = _as_int("limit", limit)
        if size < 1:
            raise PageError("limit", "limit must be a positive integer.")
        size = min(size, page_max)
    if offset is None or offset == "":
        start = 0
    else:
        start = _as_int("offset", offset)
        if start < 0 or start > MAX_OFFSET:
            raise PageError("offset", f"offset must be between 0 and {MAX_OFFSET}.")
    return Page(limit=size, offset=start)
