"""Two `manage.py migrate` runs started together on one empty PostgreSQL database both succeed.

The second waits for the first (api/management/commands/migrate.py), then
finds nothing to apply; Django's own command lets both apply the first
migration and one fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.postgres


def _migrate(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings.development", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("round_", range(2))
def test_two_migrates_on_an_empty_database_both_succeed(pg_cluster, round_):
    name = f"together_{uuid.uuid4().hex[:8]}"
    pg_cluster.psql(f"CREATE DATABASE {name}")
    env = {**pg_cluster.env, "DB_NAME": name}
    first, second = _migrate(env), _migrate(env)
    outputs = [process.communicate(timeout=300)[0] for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], "\n".join(outputs)
    counts = subprocess.run(
        ["psql", "-h", env["DB_HOST"], "-p", env["DB_PORT"], "-U", "postgres", "-d", name, "-Atc",
         "SELECT count(*), count(DISTINCT (app, name)) FROM django_migrations"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    total, distinct = counts.split("|")
    assert int(total) == int(distinct) > 0, counts
