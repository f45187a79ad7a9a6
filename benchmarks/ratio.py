"""Cost ratios that a busy machine cannot skew: ``python -m benchmarks.ratio FIXTURE [options]``.

``make bench`` measures requests/s, which on a machine shared with other work
is mostly a measure of that other work. This measures what each request costs
the process that answers it, so that ratios between endpoints hold under load:

- two servers on the same database, each gunicorn with **1 worker, 1 thread**:
  the product's (``.venv``, ``benchmarks.settings``) and the graphene
  reference's (``reference/.venv``, ``reference.settings_bench``);
- the endpoints (``benchmarks.endpoints``) are asked in blocks of
  ``--block`` sequential requests, one endpoint after the other, for
  ``--rounds`` rounds, the order rotated each round, so drift falls on every
  endpoint alike;
- per endpoint: the **worker's CPU time per request** (utime + stime from
  ``/proc/<worker>/stat``, read before and after each block; the worker does
  nothing else), and the median wall time of a request (client side; this one
  does include waiting for a core, and the database's time).

CPU time per request is the number to compare: under load a request waits
longer, but costs the worker the same CPU. Its inverse is the throughput one
core gives, so ``cpu(graphene) / cpu(strawberry)`` is the "Strawberry vs
graphene" ratio of ``make bench`` without the database's share (the
database answers the same three queries for both). The database's own cost is
not in it; ``--wall`` ratios are printed beside it for that.

The database must be ready (migrated, seeded by ``benchmarks.seed`` into
FIXTURE) and the DB_* variables set: ``make bench-ratio`` (benchmarks/ratio.sh)
does all of it on a throwaway cluster.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.ports import free_port as _free_port

from .endpoints import PRODUCT, Endpoint, endpoints

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
DEFAULT_NAMES = ("raw_list_100", "rest_list_100", "strawberry_list_100", "graphene_list_100")
# The ratios the targets name (numerator's cost / denominator's cost = denominator's share of throughput).
RATIOS = (
    ("strawberry_list_100 vs graphene_list_100", "strawberry_list_100", "graphene_list_100", 1.3),
    ("strawberry_list_100 vs raw_list_100", "strawberry_list_100", "raw_list_100", 0.5),
    ("rest_list_100 vs raw_list_100", "rest_list_100", "raw_list_100", 0.7),
)


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int

    @property
    def worker(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        if len(children) != 1:
            raise RuntimeError(f"{self.name}: expected one gunicorn worker, found {children}")
        return int(children[0])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_server(name: str, log: Path, product_root: Path = ROOT) -> Server:
    """gunicorn with the project's gunicorn.conf.py, 1 worker, 1 thread, on a free loopback port.

    ``product_root`` serves the product from another checkout of it (with this
    checkout's .venv), for a before/after comparison in one session.
    """
    port = _free_port()
    env = dict(
        os.environ,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="1",
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_ACCESS_LOG="/dev/null",
    )
    cwd = ROOT
    if name == PRODUCT:
        cwd = product_root
        command = [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "backend.wsgi"]
    else:
        env["DJANGO_SETTINGS_MODULE"] = "reference.settings_bench"
        command = [str(ROOT / "reference/.venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "reference.wsgi"]
    env["PYTHONPATH"] = str(cwd)
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    server = Server(name, process, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} gunicorn exited; see {log}")
        try:
            if _request(port, "GET", "/health/", None, {})[0] == 200:
                server.worker  # noqa: B018 (fails now if the worker is not up)
                return server
        except (OSError, RuntimeError):
            time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} gunicorn did not answer within 60s; see {log}")


def _request(
    port: int, method: str, path: str, body: str | None, headers: dict[str, str]
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body.encode() if body is not None else None, headers=headers)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def cpu_ticks(pid: int) -> int:
    # Fields 14 and 15 of /proc/<pid>/stat (utime, stime); the command name (field 2) may hold spaces.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@dataclass
class Tally:
    ticks: int = 0
    requests: int = 0
    wall: list[float] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        return self.ticks / TICKS * 1000 / self.requests

    @property
    def wall_ms(self) -> float:
        return statistics.median(self.wall) * 1000


def run_block(server: Server, endpoint: Endpoint, token: str, count: int, tally: Tally) -> None:
    headers = endpoint.headers(token)
    worker = server.worker
    before = cpu_ticks(worker)
    for _ in range(count):
        started = time.perf_counter()
        status, content = _request(server.port, endpoint.method, endpoint.path, endpoint.body, headers)
        tally.wall.append(time.perf_counter() - started)
        if status != 200 or b'"errors"' in content:
            raise SystemExit(f"{endpoint.name}: {status} {content[:300]!r}")
    tally.ticks += cpu_ticks(worker) - before
    tally.requests += count


def measure(
    fixture: dict,
    names: list[str],
    rounds: int,
    block: int,
    warmup: int,
    logs: Path,
    product_root: Path = ROOT,
) -> dict[str, Tally]:
    by_name = {endpoint.name: endpoint for endpoint in endpoints(fixture["detail_id"])}
    chosen = [by_name[name] for name in names]
    servers: dict[str, Server] = {}
    try:
        for where in sorted({endpoint.server for endpoint in chosen}):
            servers[where] = start_server(where, logs / f"ratio-{where}.log", product_root)
        tallies = {endpoint.name: Tally() for endpoint in chosen}
        for endpoint in chosen:  # warm-up: imports, caches, the first connection
            run_block(servers[endpoint.server], endpoint, fixture["tokens"][endpoint.who], warmup, Tally())
        for round_no in range(rounds):
            order = chosen[round_no % len(chosen) :] + chosen[: round_no % len(chosen)]
            for endpoint in order:
                token = fixture["tokens"][endpoint.who]
                run_block(servers[endpoint.server], endpoint, token, block, tallies[endpoint.name])
        return tallies
    finally:
        for server in servers.values():
            server.stop()


def report(tallies: dict[str, Tally]) -> dict:
    lines = ["| endpoint | worker CPU ms/request | wall p50 ms | requests |", "|---|---:|---:|---:|"]
    for name, tally in tallies.items():
        lines.append(f"| `{name}` | {tally.cpu_ms:.2f} | {tally.wall_ms:.2f} | {tally.requests} |")
    lines += [
        "",
        "| ratio (throughput, = cost of the second / cost of the first) | goal | by CPU | by wall p50 |",
    ]
    lines.append("|---|---:|---:|---:|")
    ratios = {}
    for label, first, second, goal in RATIOS:
        if first in tallies and second in tallies:
            by_cpu = tallies[second].cpu_ms / tallies[first].cpu_ms
            by_wall = tallies[second].wall_ms / tallies[first].wall_ms
            ratios[label] = {"cpu": round(by_cpu, 3), "wall": round(by_wall, 3), "goal": goal}
            lines.append(f"| {label} | ≥ {goal}× | {by_cpu:.2f}× | {by_wall:.2f}× |")
    print("\n".join(lines))
    return {
        "endpoints": {
            name: {"cpu_ms": round(t.cpu_ms, 3), "wall_p50_ms": round(t.wall_ms, 3), "requests": t.requests}
            for name, t in tallies.items()
        },
        "ratios": ratios,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixture")
    parser.add_argument("--names", nargs="+", default=list(DEFAULT_NAMES))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("RATIO_ROUNDS", 10)))
    parser.add_argument("--block", type=int, default=int(os.environ.get("RATIO_BLOCK", 30)))
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--out", help="write the numbers as JSON here")
    parser.add_argument("--logs", default=str(ROOT / ".run"))
    parser.add_argument(
        "--product-root",
        default=str(ROOT),
        help="serve the product from this checkout (e.g. `git archive` of an older commit), with this .venv",
    )
    args = parser.parse_args()
    for required in ("DB_NAME", "DJANGO_SETTINGS_MODULE"):
        if not os.environ.get(required):
            raise SystemExit(f"{required} is not set: run `make bench-ratio`, or see benchmarks/ratio.sh")
    fixture = json.loads(Path(args.fixture).read_text())
    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    tallies = measure(
        fixture, args.names, args.rounds, args.block, args.warmup, logs, Path(args.product_root).resolve()
    )
    print(
        f"\n{args.rounds} rounds x {args.block} requests per endpoint, 1 worker x 1 thread per server, "
        f"load average {os.getloadavg()[0]:.1f}\n",
        file=sys.stderr,
    )
    result = report(tallies)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
