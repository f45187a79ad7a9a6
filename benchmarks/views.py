"""Views mounted only by ``benchmarks.settings``.

``raw_examples`` is the floor for a Django request that answers what
``GET /api/v1/examples/`` answers: the same body (same rows, order, fields,
values, count and page links; tests/test_bench_raw_view.py compares the
two), read with the same token lookup (DRF's ``TokenAuthentication``, one
query with the user joined), the very same queryset (``example_list_queryset``
under ``visible_to``'s policy: the author and profile joined, the project id
only where the caller sees the project), counted and paged as the REST
list's paginator does (``api.policy.count_rows``, ``ordered_page``: the same
statements, tested too), the same page rule, and the
author's name by the product's rule (``authentication.identity.shown_name``),
as orjson over ``.values()``. No DRF view, serializer or renderer.

Only the default list (no filter, no ``ordering``): the benchmarks ask
nothing else of it.

The graphene reference is not served from the product's environment (it
needs graphql-core 3.2, the product runs 3.3): it runs as a process of its own.
"""

from __future__ import annotations

import datetime as dt

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.utils.urls import remove_query_param, replace_query_param

from api import policy
from api.paging import Page, PageError, parse_page
from api.v1.rows import row_columns
from api.v1.serializers import SHOWN_PROJECT, ExampleModelSerializer, public_user_columns
from api.v1.views import example_list_queryset
from authentication.identity import shown_name
from backend.fastjson import escape_line_separators

USER_ID, USERNAME, FIRST_NAME, LAST_NAME, DISPLAY_NAME = public_user_columns("user")
COLUMNS = (
    "id",
    "title",
    "content",
    SHOWN_PROJECT,
    "created_at",
    "updated_at",
    USER_ID,
    USERNAME,
    FIRST_NAME,
    LAST_NAME,
    DISPLAY_NAME,
)


def rest_columns(rows) -> tuple[str, ...]:
    """The columns the REST list reads its rows as (api.v1.rows.row_plan of its serializer), in its order."""
    columns = row_columns(ExampleModelSerializer(), annotations=rows.query.annotations)
    assert columns is not None and set(columns) == set(COLUMNS), columns
    return columns


def _token_user(request: HttpRequest):
    """The token's user, or None (no header, or a bad token)."""
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def _date_time(value: dt.datetime, zone: dt.tzinfo) -> str:
    """DRF's DateTimeField output: in the current time zone, ISO 8601, UTC as ``Z``."""
    shown = timezone.localtime(value, zone).isoformat()
    return shown[:-6] + "Z" if shown.endswith("+00:00") else shown


def _links(request: HttpRequest, page: Page, count: int) -> tuple[str | None, str | None]:
    """The next and previous links of DRF's LimitOffsetPagination, on the REST list's URL."""
    url = request.build_absolute_uri(reverse("example-list"))
    if request.GET:
        url = f"{url}?{request.GET.urlencode()}"
    url = replace_query_param(url, "limit", page.limit)
    following = None
    if page.offset + page.limit < count:
        following = replace_query_param(url, "offset", page.offset + page.limit)
    previous = None
    if page.offset > 0:
        if page.offset - page.limit <= 0:
            previous = remove_query_param(url, "offset")
        else:
            previous = replace_query_param(url, "offset", page.offset - page.limit)
    return following, previous


def raw_examples(request: HttpRequest) -> HttpResponse:
    user = _token_user(request)
    if user is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    try:
        page = parse_page(request.GET.get("limit"), request.GET.get("offset"))
    except PageError as error:
        return JsonResponse({error.field: [error.message]}, status=400)
    rows = policy.restrict(example_list_queryset(user), user, policy.VIEW)
    # The REST list's paginator's count and page: through the policy's branches, no page past the end.
    count = policy.count_rows(rows)
    zone = timezone.get_current_timezone()
    results = [
        {
            "id": row["id"],
            "title": row["title"],
            "content": row["content"],
            "project": row[SHOWN_PROJECT],
            "owner": {
                "id": row[USER_ID],
                "username": row[USERNAME],
                "name": shown_name(row[DISPLAY_NAME], row[FIRST_NAME], row[LAST_NAME], row[USERNAME]),
            },
            "created_at": _date_time(row["created_at"], zone),
            "updated_at": _date_time(row["updated_at"], zone),
        }
        for row in (
            policy.ordered_page(rows.values(*rest_columns(rows)), page.offset, page.offset + page.limit)
            if count and page.offset <= count
            else ()
        )
    ]
    following, previous = _links(request, page, count)
    body = {"count": count, "next": following, "previous": previous, "results": results}
    return HttpResponse(escape_line_separators(orjson.dumps(body)), content_type="application/json")
