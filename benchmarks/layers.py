"""What each middleware and the authentication cost a REST list request: ``python -m benchmarks.layers FIXTURE OUT``.

In this process, with the benchmark settings and database, through Django's
test client (no HTTP server): the REST list at 100 rows as the measured user,
with the whole stack, then with each middleware removed in turn, with none,
with session instead of token authentication, and the machine's floor
(benchmarks/floor.py) for the same page. Each variant is timed as process
CPU time per request (``time.process_time``: other processes on the machine
do not count, as in benchmarks/ratio.py), over ``BENCH_LAYER_REQUESTS``
requests (200), in ``BENCH_LAYER_ROUNDS`` interleaved rounds (5); the
median round counts. A layer's cost is the whole stack's time minus the
time without it; the whole stack measured twice shows the noise. A variant that cannot answer 200 (a middleware another one
needs) is reported as such, not timed.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

PATH = "/api/v1/examples/?limit=100"
FULL, NO_MIDDLEWARE, SESSION, FLOOR = "whole stack", "no middleware", "session authentication", "floor"
# The whole stack once more, on a client of its own: how far two identical variants differ (the noise).
AGAIN = "whole stack, again"


def _client(middleware: list[str] | None, headers: dict[str, str], session_user=None) -> Callable[[], int]:
    """One request of the list under ``middleware`` (None: the settings'), as a function answering its status."""
    from django.test import Client, override_settings

    client = Client(headers=headers)
    if session_user is not None:
        client.force_login(session_user)
    if middleware is not None:
        # The client builds its middleware chain on its first request and keeps it:
        # the override is needed for that request only (entering it costs time too).
        with override_settings(MIDDLEWARE=middleware):
            try:
                first = client.get(PATH).status_code
            except Exception as error:  # a layer another one needs; measure() reports it
                failure: Exception | None = error
            else:
                failure = None if first == 200 else RuntimeError(f"HTTP {first}")

        def once() -> int:
            # Without a chain the client would load the settings' whole stack: never time that.
            if failure is not None:
                raise failure
            return client.get(PATH).status_code

        return once

    def once() -> int:
        return client.get(PATH).status_code

    return once


def variants(fixture: dict) -> dict[str, Callable[[], int]]:
    """Each way of answering the list: the whole stack, each middleware removed, none, session auth, the floor."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from .floor import FLOOR_PATH, Floor

    token = {"Authorization": f"Token {fixture['tokens']['reader']}"}
    stack = list(settings.MIDDLEWARE)
    found: dict[str, Callable[[], int]] = {FULL: _client(None, token)}
    for layer in stack:
        found[layer] = _client([name for name in stack if name != layer], token)
    found[NO_MIDDLEWARE] = _client([], token)
    found[AGAIN] = _client(None, token)
    reader = get_user_model().objects.get(pk=fixture["reader_id"])
    found[SESSION] = _client(None, {}, session_user=reader)
    floor = Floor(fixture["reader_id"])
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": FLOOR_PATH,
        "QUERY_STRING": "limit=100",
        "HTTP_HOST": "testserver",
    }

    def floor_once() -> int:
        statuses: list[str] = []
        b"".join(floor(environ, lambda status, headers: statuses.append(status)))
        return int(statuses[0].split()[0])

    found[FLOOR] = floor_once
    return found


def measure(found: dict[str, Callable[[], int]], requests: int, rounds: int) -> dict:
    """CPU µs per request of each variant (median of interleaved rounds), and which could not answer."""
    broken: dict[str, str] = {}
    for name, once in found.items():
        try:
            status = once()
        except Exception as error:  # a middleware another one needs: reported, not timed
            broken[name] = f"{type(error).__name__}: {error}"[:200]
            continue
        if status != 200:
            broken[name] = f"HTTP {status}"
    timed = [name for name in found if name not in broken]
    samples: dict[str, list[float]] = {name: [] for name in timed}
    for number in range(rounds):
        order = timed[number % len(timed) :] + timed[: number % len(timed)]
        for name in order:
            once = found[name]
            for _ in range(requests // 10):
                once()  # warm
            started = time.process_time()
            for _ in range(requests):
                once()
            samples[name].append((time.process_time() - started) / requests * 1e6)
    return {"us": {name: statistics.median(values) for name, values in samples.items()}, "broken": broken}


def main(fixture_path: str, out_path: str) -> None:
    django.setup()
    fixture = json.loads(Path(fixture_path).read_text())
    requests = int(os.environ.get("BENCH_LAYER_REQUESTS", "200"))
    rounds = int(os.environ.get("BENCH_LAYER_ROUNDS", "5"))
    measured = measure(variants(fixture), requests, rounds)
    result = {"path": PATH, "requests": requests, "rounds": rounds, **measured}
    Path(out_path).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["us"], indent=2), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.splitlines()[0])
    main(sys.argv[1], sys.argv[2])
