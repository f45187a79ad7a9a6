"""SQL per request, counted once per endpoint, and EXPLAIN of the list queries.

``python -m benchmarks.inspect_sql FIXTURE.json OUT.json``, with the benchmark
settings and database. Each endpoint is asked once through Django's test
client (the whole middleware stack, the same settings and database as the
server) inside ``CaptureQueriesContext``; every query it ran is counted, the
token lookup included. Then the REST list's own count and page queries, as
captured, are run under ``EXPLAIN (ANALYZE, BUFFERS)`` for the 1,000-row user
and the 100,000-row user.
"""

from __future__ import annotations

import json
import sys

import django


def main(fixture_path: str, out_path: str) -> None:
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .endpoints import endpoints

    with open(fixture_path) as file:
        fixture = json.load(file)
    client = Client()
    result: dict = {"queries": {}, "sql": {}, "explain": {}}
    for endpoint in endpoints(fixture["detail_id"]):
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
    main(sys.argv[1], sys.argv[2])
