"""A nested list's cost per row against the flat list's, in process: ``python -m benchmarks.nested_profile``.

Seeds the nested projects entry's data (``benchmarks.seed``'s sharer: 20
projects, each with 10 examples and 2 members) and a reader with 100 rows
in a fresh database (SQLite in memory by default; PostgreSQL under
``scripts/postgres.sh run``, which sets ``DB_NAME``), then posts the
nested document (``benchmarks.endpoints.PROJECTS_QUERY``) and the flat
100-row list through Django's test client, interleaved, ``--repeat`` times
each. Prints, per document, µs per request and per row returned (every
object of a ``results`` list, at any depth), SQL statements and rows read,
the nested/flat ratio of µs per row and of Python function calls per row
(cProfile's count: the work done, whatever the machine's load), and a
cProfile top ``--top`` of the nested document. Ratios within one run are what to compare: the machine
may be noisy, absolute times are not.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import django

NESTED, FLAT = "nested", "flat"
PROFILED = 10  # requests per document under cProfile


def seed() -> dict[str, str]:
    """The sharer's 20 projects x 10 examples + 2 members, and a reader's 100 rows; returns tokens."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from api.models import ExampleModel, Project, ProjectMembership, ProjectRole

    def user(name: str) -> User:
        account = User(username=name, email=f"{name}@bench.example.com")
        account.set_unusable_password()
        account.save()
        return account

    reader, sharer = user("bench_reader"), user("bench_sharer")
    others = [user(f"bench_other{n}") for n in range(2)]
    projects = Project.objects.bulk_create(
        Project(owner=sharer, name=f"Project {n}", description="d") for n in range(20)
    )
    ProjectMembership.objects.bulk_create(
        ProjectMembership(project=project, user=member, role=role)
        for project in projects
        for member, role in zip(others, (ProjectRole.EDITOR, ProjectRole.VIEWER), strict=True)
    )
    ExampleModel.objects.bulk_create(
        ExampleModel(user=sharer, project=project, title=f"p{project.pk} e{n}", content="c")
        for project in projects
        for n in range(10)
    )
    ExampleModel.objects.bulk_create(
        ExampleModel(user=reader, title=f"r{n}", content="content " * 10) for n in range(100)
    )
    return {
        NESTED: Token.objects.create(user=sharer).key,
        FLAT: Token.objects.create(user=reader).key,
    }


def rows_in(data: Any) -> int:
    """Objects in every ``results`` list of a response, at any depth."""
    if isinstance(data, dict):
        own = len(data["results"]) if isinstance(data.get("results"), list) else 0
        return own + sum(rows_in(value) for value in data.values())
    if isinstance(data, list):
        return sum(rows_in(value) for value in data)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print each document's SQL once")
    parser.add_argument("--save", help="write the nested document's cProfile stats here (pstats)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from .endpoints import FIELDS_GQL, LIST_QUERY, PROJECTS_QUERY

    setup_test_environment()
    # A throwaway database: the test runner's (in memory on SQLite, test_<name> on PostgreSQL).
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    call_command("migrate", verbosity=0)
    tokens = seed()
    documents = {NESTED: PROJECTS_QUERY, FLAT: LIST_QUERY % (100, FIELDS_GQL)}
    client = Client()

    def request(name: str) -> Callable[[], Any]:
        body = json.dumps({"query": documents[name]})
        headers = {"Authorization": f"Token {tokens[name]}"}
        return lambda: client.post("/graphql/", body, content_type="application/json", headers=headers)

    calls = {name: request(name) for name in documents}
    rows: dict[str, int] = {}
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as queries:
            response = call()
        payload = response.json()
        assert "errors" not in payload, payload
        rows[name] = rows_in(payload["data"])
        print(f"{name}: {rows[name]} rows returned, {len(queries)} SQL")
        if args.sql:
            for query in queries.captured_queries:
                print("   ", query["sql"][:600])
    for call in calls.values():  # warm up
        for _ in range(20):
            call()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(args.repeat):
        for name, call in calls.items():  # interleaved: both see the same noise
            started = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - started)
    per_row = {}
    for name, spent in timings.items():
        median = statistics.median(spent) * 1e6
        per_row[name] = median / rows[name]
        print(f"{name}: {median:.0f} µs per request (median), {per_row[name]:.1f} µs per row")
    print(f"nested/flat per row: {per_row[NESTED] / per_row[FLAT]:.2f}")
    # Python function calls per row: the work done, free of the machine's noise.
    calls_per_row = {}
    profiles: dict[str, cProfile.Profile] = {}
    for name, call in calls.items():
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(PROFILED):
            call()
        profiler.disable()
        total = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        profiles[name] = profiler
        calls_per_row[name] = total / PROFILED / rows[name]
        print(f"{name}: {total / PROFILED:.0f} Python calls per request, {calls_per_row[name]:.0f} per row")
    print(f"nested/flat Python calls per row: {calls_per_row[NESTED] / calls_per_row[FLAT]:.2f}")
    if args.save:
        profiles[NESTED].dump_stats(args.save)
    pstats.Stats(profiles[NESTED]).sort_stats("tottime").print_stats(args.top)
    pstats.Stats(profiles[NESTED]).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
