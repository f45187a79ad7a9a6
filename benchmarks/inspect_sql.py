"""SQL per request, counted once per endpoint, and EXPLAIN of the list queries.

``python -m benchmarks.inspect_sql FIXTURE.json OUT.json [--server reference]``,
with the benchmark settings and database. Each endpoint is asked once through
Django's test client (the whole middleware stack, the same settings and
database as the server) inside ``CaptureQueriesContext``; every query it ran
is counted, the token lookup included. Then the REST list's own count and page
queries, as captured, are run under ``EXPLAIN (ANALYZE, BUFFERS)`` for the
1,000-row user and the 100,000-row user.

The graphene endpoints are asked the same way by the reference's own
environment (``reference/.venv/bin/python -m benchmarks.inspect_sql ...
--server reference`` with ``reference.settings_bench``): it writes their counts
and the reference's package versions, which the product's run merges in.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata

import django

REFERENCE_PACKAGES = (
    "graphene-django",
    "graphene",
    "graphql-core",
    "Django",
    "djangorestframework",
    "gunicorn",
)


def _floor_sql(user_id: int, path: str) -> list[str]:
    """The statements one request of the floor (benchmarks/floor.py) sends, called in this process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .floor import Floor

    floor, (path_info, _, query) = Floor(user_id), path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
    }
    statuses: list[str] = []
    # Twice, as the others: the first request prepares the page's statements.
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            b"".join(floor(environ, lambda status, headers: statuses.append(status)))
    if statuses[-1] != "200 OK":
        raise SystemExit(f"{path}: the floor answered {statuses[-1]}")
    return [query["sql"] for query in captured.captured_queries]


def main(fixture_path: str, out_path: str, server: str, merge: str | None) -> None:
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .endpoints import FLOOR, PRODUCT, REFERENCE, SAME_APP, endpoints

    with open(fixture_path) as file:
        fixture = json.load(file)
    client = Client()
    result: dict = {"queries": {}, "sql": {}, "explain": {}}
    for endpoint in endpoints(fixture["detail_id"], fixture.get("cursors")):
        if endpoint.server == FLOOR and server == PRODUCT:
            statements = _floor_sql(fixture["reader_id"], endpoint.path)
            result["queries"][endpoint.name] = len(statements)
            result["sql"][endpoint.name] = statements
            continue
        if SAME_APP.get(endpoint.server, endpoint.server) != server:
            continue
        headers = endpoint.headers(fixture["tokens"][endpoint.who])
        content_type = headers.pop("Content-Type", None)
        # Twice: the first request of a process warms caches, the second is what a server sees.
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                if endpoint.method == "GET":
                    response = client.get(endpoint.path, headers=headers)
                else:
                    response = client.post(
                        endpoint.path, endpoint.body, content_type=content_type, headers=headers
                    )
        if response.status_code not in (200, 201):
            raise SystemExit(f"{endpoint.name}: HTTP {response.status_code}: {response.content[:500]!r}")
        body = response.json()
        if isinstance(body, dict) and body.get("errors"):
            raise SystemExit(f"{endpoint.name}: GraphQL errors: {body['errors']}")
        result["queries"][endpoint.name] = len(captured.captured_queries)
        result["sql"][endpoint.name] = [query["sql"] for query in captured.captured_queries]

    if server == REFERENCE:
        result["packages"] = {name: metadata.version(name) for name in REFERENCE_PACKAGES}
        with open(out_path, "w") as out:
            json.dump(result, out, indent=2)
        print(json.dumps(result["queries"]), file=sys.stderr)
        return
    assert server == PRODUCT, server
    if merge is not None:
        with open(merge) as file:
            reference = json.load(file)
        result["queries"].update(reference["queries"])
        result["sql"].update(reference["sql"])
        result["reference_packages"] = reference["packages"]

    for name in ("rest_list_20", "rest_list_20_100k", "rest_list_100", "rest_list_100_100k"):
        _token, count_sql, page_sql = result["sql"][name]
        plans = {}
        for label, sql in (("count", count_sql), ("page", page_sql)):
            with connection.cursor() as cursor:
                for _ in range(3):  # warm; keep the last
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
            plans[label] = {"sql": sql, "plan": plan}
        result["explain"][name] = plans
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        result["postgres"] = cursor.fetchone()[0]
    with open(out_path, "w") as out:
        json.dump(result, out, indent=2)
    print(json.dumps(result["queries"]), file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("fixture")
    parser.add_argument("out")
    parser.add_argument("--server", default="product", choices=("product", "reference"))
    parser.add_argument("--merge", help="the reference's output, merged into the product's")
    args = parser.parse_args()
    main(args.fixture, args.out, args.server, args.merge)
