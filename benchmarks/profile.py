"""Where one endpoint's time goes: ``python -m benchmarks.profile FIXTURE NAME [NAME...]``.

Runs each named endpoint (see ``benchmarks.endpoints``) 300 times through
Django's test client, in this process, with the benchmark settings and
database, under pyinstrument, and prints the call tree (``--html DIR`` writes
HTML pages too). The test client skips the HTTP server, so this is the
application's own cost: middleware, authentication, view, SQL, rendering.
``make bench`` does not run it, and stops its database on exit: build one
with ``scripts/postgres.sh start``, ``eval "$(scripts/postgres.sh env)"``,
then with ``DJANGO_SETTINGS_MODULE=benchmarks.settings`` (and the
``SECRET_KEY``/``ALLOWED_HOSTS`` benchmarks/run.sh sets) ``manage.py migrate``
and ``python -m benchmarks.seed FIXTURE``; benchmarks/layers.py runs the same way.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("fixture")
    parser.add_argument("names", nargs="+")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--html")
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--flat", action="store_true", help="self time per function instead of the tree")
    args = parser.parse_args()
    django.setup()
    from django.test import Client
    from pyinstrument import Profiler

    from .endpoints import endpoints

    fixture = json.loads(Path(args.fixture).read_text())
    by_name = {endpoint.name: endpoint for endpoint in endpoints(fixture["detail_id"])}
    client = Client()
    for name in args.names:
        endpoint = by_name[name]
        if endpoint.server != "product":
            # graphene runs in reference/.venv and the floor is no Django app: profile their gunicorn with py-spy.
            raise SystemExit(f"{name} is served by a process of its own ({endpoint.server}), not the product")
        headers = endpoint.headers(fixture["tokens"][endpoint.who])
        content_type = headers.pop("Content-Type", None)

        def once(endpoint=endpoint, headers=headers, content_type=content_type):
            if endpoint.method == "GET":
                return client.get(endpoint.path, headers=headers)
            return client.post(endpoint.path, endpoint.body, content_type=content_type, headers=headers)

        for _ in range(30):
            once()
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        with profiler:
            for _ in range(args.repeat):
                once()
        per_request = (time.perf_counter() - started) / args.repeat * 1000
        print(f"=== {name}: {per_request:.2f} ms per request (in process, profiled) ===")
        if args.flat:
            # Self time per function, the biggest first: where the CPU goes, whatever called it.
            print(profiler.output_text(unicode=True, flat=True, time="percent_of_total")[:6000])
        else:
            print(profiler.output_text(unicode=True, color=False, show_all=args.all))
        if args.html:
            Path(args.html).mkdir(parents=True, exist_ok=True)
            (Path(args.html) / f"{name}.html").write_text(profiler.output_html())


if __name__ == "__main__":
    main()
