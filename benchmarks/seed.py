"""Builds the benchmark database: ``python -m benchmarks.seed OUT.json``.

- ``bench_reader``: the measured user, 1,000 examples;
- ``bench_scale``: 100,000 examples, for the scale target;
- ``bench_writer``: no rows to start with; every measured write is theirs;
- 20 other users with 500 examples each, so the measured rows sit among others;
- ``bench_searcher``: 100 examples of 100,000 characters (half of them one
  letter repeated, the old ``LIKE`` search's worst case), for the search entries;
- ``bench_sharer``: 20 projects, each with 10 of their examples and two
  members (an editor and a viewer, both other users), for the nested projects
  entry. The measured user is in none of them, so their 1,000 rows stay theirs.

Rows go in with ``bulk_create`` (the API would take minutes), then get
creation times spread over the past year, as real data has, and the table is
``VACUUM ANALYZE``d, as autovacuum would do after a bulk load. Writes the
users' tokens, one of the reader's ids and the cursors of the scale user's
50th page (benchmarks.cursors) to OUT.json.
"""

from __future__ import annotations

import json
import random
import sys
import time

import django


def main(out_path: str) -> None:
    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from api.models import ExampleModel, Project, ProjectMembership, ProjectRole

    started = time.monotonic()
    rng = random.Random(7)
    words = [
        *("alpha", "beta", "gamma", "delta", "notes", "draft", "plan", "review", "idea", "list"),
        *("summary", "report", "meeting", "budget", "design", "sketch", "outline", "research"),
        *("todo", "quarterly", "weekly", "team", "project", "release"),
    ]

    def text(low: int, high: int) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))

    def user(name: str) -> User:
        account = User(username=name, email=f"{name}@bench.example.com")
        account.set_unusable_password()
        account.save()  # the post_save signal creates the profile
        return account

    def add_rows(owner: User, count: int) -> None:
        ExampleModel.objects.bulk_create(
            (
                ExampleModel(user=owner, title=text(2, 6).capitalize(), content=text(10, 80))
                for _ in range(count)
            ),
            batch_size=5000,
        )

    reader, writer, scale = user("bench_reader"), user("bench_writer"), user("bench_scale")
    others = [user(f"bench_other{n}") for n in range(20)]
    for other in others:
        add_rows(other, 500)
    sharer = user("bench_sharer")
    projects = Project.objects.bulk_create(
        Project(owner=sharer, name=f"Project {n}", description=text(5, 20)) for n in range(20)
    )
    ProjectMembership.objects.bulk_create(
        ProjectMembership(project=project, user=member, role=role)
        for project in projects
        for member, role in zip(others[:2], (ProjectRole.EDITOR, ProjectRole.VIEWER), strict=True)
    )
    ExampleModel.objects.bulk_create(
        ExampleModel(user=sharer, project=project, title=text(2, 6).capitalize(), content=text(10, 80))
        for project in projects
        for _ in range(10)
    )
    add_rows(reader, 1_000)
    add_rows(scale, 100_000)
    searcher = user("bench_searcher")
    ExampleModel.objects.bulk_create(
        ExampleModel(
            user=searcher,
            title=text(2, 6).capitalize(),
            content="a" * 100_000 if n % 2 else text(20_000, 20_000)[:100_000],
        )
        for n in range(100)
    )
    with connection.cursor() as cursor:
        # Creation times over the past year (with microseconds, as real ones
        # have); an update a little later for some of them.
        cursor.execute("UPDATE api_examplemodel SET created_at = now() - random() * interval '365 days'")
        cursor.execute(
            "UPDATE api_examplemodel SET updated_at = created_at"
            " + CASE WHEN random() < 0.3 THEN random() * interval '30 days' ELSE interval '0' END"
        )
        cursor.execute("VACUUM ANALYZE")
    detail_id = ExampleModel.objects.visible_to(reader).values_list("id", flat=True)[500]
    fixture = {
        "tokens": {
            who: Token.objects.create(user=account).key
            for who, account in (
                ("reader", reader),
                ("writer", writer),
                ("scale", scale),
                ("sharer", sharer),
                ("searcher", searcher),
            )
        },
        "detail_id": detail_id,
        # The floor's fixed caller (benchmarks/floor.py): the reader, without a token lookup.
        "reader_id": reader.pk,
        "rows": {
            "reader": 1_000,
            "scale": 100_000,
            "searcher": 100,
            "others": 20 * 500,
            "total": ExampleModel.objects.count(),
        },
    }
    from .cursors import deep_cursors
    from .endpoints import FIELDS_GQL

    fixture["cursors"] = deep_cursors(fixture["tokens"]["scale"], FIELDS_GQL)
    with open(out_path, "w") as out:
        json.dump(fixture, out, indent=2)
    print(f"seeded {fixture['rows']['total']} examples in {time.monotonic() - started:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
