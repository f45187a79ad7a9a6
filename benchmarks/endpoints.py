"""What `make bench` measures: one entry per row of the results table.

Every read asks for the same five fields of the same user's rows, newest
first: ``id, title, content, created_at, updated_at``. GraphQL surfaces get
the same query text. Writes use a separate user, so that the measured user
keeps exactly its rows while the writes run.

Each endpoint names the server that answers it: the product's gunicorn
(uvicorn workers, backend.asgi), the same app on the server it ran on before
live updates (gunicorn gthread, backend.wsgi: the ``*_wsgi`` entries, in the
same interleaved run), the product's gunicorn through nginx (the production
edge, scripts/nginx.sh: the ``*_proxy`` entries), the graphene reference's
own (reference/.venv, reference.settings_bench) over the same database, or
the machine's floor (benchmarks/floor.py: the ``floor_*`` entries).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

FIELDS_GQL = "id title content createdAt updatedAt"
LIST_QUERY = "{ examples(pagination: {limit: %d}) { totalCount results { %s } pageInfo { limit offset } } }"
DETAIL_QUERY = '{ example(id: "%d") { %s } }'
CREATE_MUTATION = (
    'mutation { createExample(data: {title: "Benchmark write", content: "Written by make bench."}) '
    "{ __typename ... on Example { " + FIELDS_GQL + " } } }"
)

# 22 copies of one field with a subfield: 462 same-name pairs for
# overlapping-fields validation, 1155 of its budget of 5000
# (graphql_api.limits.VALIDATION_BUDGET).
WORST_DOCUMENT = "{ me { " + "profile { displayName } " * 22 + "} }"

# Which token a request carries: the measured user (1,000 rows), the writer,
# the scale user (100,000 rows), or the sharer (20 projects with members).
READER, WRITER, SCALE, SHARER = "reader", "writer", "scale", "sharer"
# The searcher: 100 rows of 100,000 characters (api.search), for the search entries.
SEARCHER = "searcher"
# Nested lists: a page of projects, each with a page of its
# examples (with their owners) and its members. One query per level, the same
# for 1 project and for 50 (tests/graphql/test_project_query_counts.py).
PROJECTS_QUERY = (
    "{ projects { totalCount results { name role examples(pagination: {limit: 10}) "
    "{ results { title owner { name } } } members { results { user { name } role } } } } }"
)
# Which server answers: the product (ASGI), the product on gthread WSGI, the
# product through nginx, or the graphene reference (a process of its own).
PRODUCT, WSGI, PROXY, REFERENCE = "product", "wsgi", "proxy", "reference"
# The machine's floor (benchmarks/floor.py): a bare WSGI callable on a gunicorn
# of its own with the product's worker class, thread pool and database settings.
FLOOR = "floor"
# The same app under every server but the reference: the SQL is the product's.
SAME_APP = {WSGI: PRODUCT, PROXY: PRODUCT}
# The requests also sent through nginx, each beside its direct twin in the same run:
# the edge's cost on a request that does nothing, on a REST list and on a GraphQL list.
PROXIED = ("health", "rest_list_20", "strawberry_list_20")


@dataclass(frozen=True)
class Endpoint:
    name: str
    surface: str  # floor, raw, rest, strawberry, graphene, health
    kind: str  # list, detail, write
    method: str
    path: str
    body: str | None = None
    who: str = READER
    page: int | None = None
    notes: str = ""
    tags: tuple[str, ...] = field(default=())
    server: str = PRODUCT

    def headers(self, token: str) -> dict[str, str]:
        headers = {"Authorization": f"Token {token}"}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        return headers


def _gql(query: str) -> str:
    return json.dumps({"query": query})


def _trusted_list_bodies(page: int) -> tuple[str, str]:
    """The frontend's ``Examples`` operation (the same five fields) as text, and as its document id.

    The text is the manifest document reprinted (graphql-core's multi-line
    form, what a client sends without ids), so it takes the ordinary path:
    parsed and validated, through the per-process document cache.
    """
    # graphql-core only, and the manifest read as the file it is: this module is
    # also imported by the reference's environment (benchmarks.inspect_sql),
    # which has graphql-core 3.2 and none of the product's GraphQL packages.
    from django.conf import settings
    from graphql import parse, print_ast

    manifest = json.loads(Path(settings.GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST).read_text(encoding="utf-8"))
    [(sha256, text)] = [(sha256, text) for sha256, text in manifest.items() if "query Examples(" in text]
    variables = {"pagination": {"limit": page}}
    as_text = json.dumps({"query": print_ast(parse(text)), "variables": variables})
    as_id = json.dumps({"documentId": f"sha256:{sha256}", "variables": variables})
    return as_text, as_id


# Keyset pages: the first page and the 50th of the scale user's 100,000 rows.
CONNECTION_QUERY = (
    "query Page($after: String) { examplesConnection(first: 20, after: $after) "
    "{ edges { node { " + FIELDS_GQL + " } } pageInfo { hasNextPage endCursor } } }"
)


def cursor_endpoints(cursors: dict[str, str] | None) -> list[Endpoint]:
    """The cursor entries: first and 50th page by cursor, and the first offset page beside them.

    ``cursors`` comes from the fixture (benchmarks.cursors): a cursor is signed
    and bound to the caller and the query, so it is made by the seed.
    """
    offset_gql = _gql(LIST_QUERY % (20, FIELDS_GQL))
    rows = [
        Endpoint(
            "rest_cursor_first_100k",
            "rest",
            "list",
            "GET",
            "/api/v1/examples/?cursor=&limit=20",
            who=SCALE,
            page=20,
            notes="keyset: the first page (no count)",
            tags=("cursor",),
        ),
        Endpoint(
            "strawberry_list_20_100k",
            "strawberry",
            "list",
            "POST",
            "/graphql/",
            offset_gql,
            who=SCALE,
            page=20,
            notes="user with 100,000 rows: the first offset page (with totalCount)",
            tags=("cursor",),
        ),
        Endpoint(
            "strawberry_cursor_first_100k",
            "strawberry",
            "list",
            "POST",
            "/graphql/",
            json.dumps({"query": CONNECTION_QUERY, "variables": {"after": None}}),
            who=SCALE,
            page=20,
            notes="keyset: examplesConnection, the first page",
            tags=("cursor",),
        ),
    ]
    if cursors:
        rows += [
            Endpoint(
                "rest_cursor_page50_100k",
                "rest",
                "list",
                "GET",
                cursors["rest_path"],
                who=SCALE,
                page=20,
                notes="keyset: the 50th page (goal: within 1.2x of the first)",
                tags=("cursor",),
            ),
            Endpoint(
                "strawberry_cursor_page50_100k",
                "strawberry",
                "list",
                "POST",
                "/graphql/",
                json.dumps({"query": CONNECTION_QUERY, "variables": {"after": cursors["graphql_after"]}}),
                who=SCALE,
                page=20,
                notes="keyset: examplesConnection, the 50th page (goal: within 1.2x of the first)",
                tags=("cursor",),
            ),
        ]
    return rows


# The worst search the limits allow: one word at the 200-character cap (the old
# LIKE's worst case over rows of "a"s), six of them OR-ed (GRAPHQL_MAX_FILTER_BRANCHES
# and SEARCH_MAX_TERMS admit them); beside it a plain four-letter word.
WORST_SEARCH_TERM = "a" * 199 + "b"
PLAIN_SEARCH_TERM = "zzzz"
SEARCH_QUERY = (
    "query Search($filters: ExampleFilter) { examples(filters: $filters, pagination: {limit: 20}) "
    "{ totalCount results { " + FIELDS_GQL + " } } }"
)


def _ored(term: str, count: int) -> dict:
    node: dict = {"search": term}
    for _ in range(count - 1):
        node = {"search": term, "OR": node}
    return node


def search_endpoints() -> list[Endpoint]:
    """Search over 100 rows of 100,000 characters: the worst the limits allow, next to a plain one."""
    rows = []
    for name, term, terms in (("plain", PLAIN_SEARCH_TERM, 1), ("worst", WORST_SEARCH_TERM, 6)):
        rows.append(
            Endpoint(
                f"rest_search_{name}_100x100k",
                "rest",
                "list",
                "GET",
                f"/api/v1/examples/?search={term}&limit=20",
                who=SEARCHER,
                page=20,
                notes=f"search `{term[:8]}…` over 100 rows of 100,000 characters",
                tags=("search",),
            )
        )
        rows.append(
            Endpoint(
                f"strawberry_search_{name}_100x100k",
                "strawberry",
                "list",
                "POST",
                "/graphql/",
                json.dumps({"query": SEARCH_QUERY, "variables": {"filters": _ored(term, terms)}}),
                who=SEARCHER,
                page=20,
                notes=f"{terms} OR-ed search term(s) `{term[:8]}…` over 100 rows of 100,000 characters",
                tags=("search",),
            )
        )
    return rows


def endpoints(detail_id: int, cursors: dict[str, str] | None = None) -> list[Endpoint]:
    """Every measured endpoint; ``detail_id`` is one of the measured user's rows.

    ``cursors``: the fixture's (benchmarks.cursors); without them the 50th-page
    entries are left out.
    """
    list_gql = {page: _gql(LIST_QUERY % (page, FIELDS_GQL)) for page in (20, 100)}
    detail_gql = _gql(DETAIL_QUERY % (detail_id, FIELDS_GQL))
    rows: list[Endpoint] = [
        Endpoint("health", "health", "health", "GET", "/health/", notes="liveness: no database, no auth"),
        Endpoint(
            "floor_health",
            "floor",
            "health",
            "GET",
            "/health/",
            notes="the server's cheapest answer: a constant body, no Django",
            server=FLOOR,
        ),
    ]
    for page in (20, 100):
        rows.append(
            Endpoint(
                f"floor_list_{page}",
                "floor",
                "list",
                "GET",
                f"/floor/examples/?limit={page}",
                page=page,
                notes="the REST list's SQL (no token lookup) and body, no Django request",
                server=FLOOR,
            )
        )
    for page in (20, 100):
        rows.append(
            Endpoint(
                f"raw_list_{page}", "raw", "list", "GET", f"/bench/raw/examples/?limit={page}", page=page
            )
        )
    for page in (20, 100):
        rows.append(
            Endpoint(f"rest_list_{page}", "rest", "list", "GET", f"/api/v1/examples/?limit={page}", page=page)
        )
    rows.append(Endpoint("rest_detail", "rest", "detail", "GET", f"/api/v1/examples/{detail_id}/"))
    for page in (20, 100):
        rows.append(
            Endpoint(
                f"strawberry_list_{page}",
                "strawberry",
                "list",
                "POST",
                "/graphql/",
                list_gql[page],
                page=page,
            )
        )
    rows.append(Endpoint("strawberry_detail", "strawberry", "detail", "POST", "/graphql/", detail_gql))
    rows.append(
        Endpoint(
            "strawberry_projects_nested",
            "strawberry",
            "list",
            "POST",
            "/graphql/",
            _gql(PROJECTS_QUERY),
            who=SHARER,
            notes="20 projects, each with 10 examples (their owners) and 2 members: one query per level",
        )
    )
    rows.append(
        Endpoint(
            "strawberry_worst_document",
            "strawberry",
            "detail",
            "POST",
            "/graphql/",
            _gql(WORST_DOCUMENT),
            notes="the costliest document to validate within the limits (graphql_api.limits)",
        )
    )
    # Trusted documents: the same operation sent as text and as its id, in the same run.
    for page in (20, 100):
        as_text, as_id = _trusted_list_bodies(page)
        for name, body, notes in (
            ("text", as_text, "frontend's Examples operation as text"),
            ("id", as_id, "the same operation as a trusted document id"),
        ):
            rows.append(
                Endpoint(
                    f"strawberry_list_{page}_{name}",
                    "strawberry",
                    "list",
                    "POST",
                    "/graphql/",
                    body,
                    page=page,
                    notes=notes,
                    tags=("trusted-documents",),
                )
            )
    for page in (20, 100):
        rows.append(
            Endpoint(
                f"graphene_list_{page}",
                "graphene",
                "list",
                "POST",
                "/graphql/",
                list_gql[page],
                page=page,
                server=REFERENCE,
            )
        )
    rows.append(
        Endpoint("graphene_detail", "graphene", "detail", "POST", "/graphql/", detail_gql, server=REFERENCE)
    )
    # The headline: the frontend's Examples operation at 100 rows, the same text to graphene.
    rows.append(
        Endpoint(
            "graphene_list_100_text",
            "graphene",
            "list",
            "POST",
            "/graphql/",
            _trusted_list_bodies(100)[0],
            page=100,
            notes="frontend's Examples operation as text (owner, project with role)",
            tags=("trusted-documents",),
            server=REFERENCE,
        )
    )
    rows.append(
        Endpoint(
            "rest_create",
            "rest",
            "write",
            "POST",
            "/api/v1/examples/",
            json.dumps({"title": "Benchmark write", "content": "Written by make bench."}),
            who=WRITER,
        )
    )
    rows.append(
        Endpoint(
            "strawberry_create", "strawberry", "write", "POST", "/graphql/", _gql(CREATE_MUTATION), who=WRITER
        )
    )
    # The server switch: the same requests on gunicorn gthread + backend.wsgi.
    for twin in [
        row
        for row in rows
        if row.name in ("rest_list_20", "rest_detail", "strawberry_list_20", "strawberry_detail")
    ]:
        rows.append(
            replace(
                twin,
                name=f"{twin.name}_wsgi",
                server=WSGI,
                notes="the same request on gunicorn gthread + backend.wsgi (the server before live updates)",
                tags=("server",),
            )
        )
    # The edge: the same requests through nginx (scripts/nginx.conf.template) to the product.
    for twin in [row for row in rows if row.name in PROXIED]:
        rows.append(
            replace(
                twin,
                name=f"{twin.name}_proxy",
                server=PROXY,
                notes="the same request through nginx (the production edge) to the product's gunicorn",
                tags=("proxy",),
            )
        )
    for page in (20, 100):
        rows.append(
            Endpoint(
                f"rest_list_{page}_100k",
                "rest",
                "list",
                "GET",
                f"/api/v1/examples/?limit={page}",
                who=SCALE,
                page=page,
                notes="user with 100,000 rows",
            )
        )
    rows += cursor_endpoints(cursors)
    rows += search_endpoints()
    return rows
