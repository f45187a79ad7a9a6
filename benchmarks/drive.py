"""Drives the running servers with wrk: ``python -m benchmarks.drive FIXTURE MASTER_PID URL OUT REF_PID REF_URL [WSGI_PID WSGI_URL [PROXY_URL [FLOOR_PID FLOOR_URL]]]``.

MASTER_PID and URL are the product's gunicorn; REF_PID and REF_URL the graphene
reference's (reference/.venv), which answers the endpoints whose ``server`` is
the reference; WSGI_PID and WSGI_URL the product on gunicorn gthread +
backend.wsgi, which answers the ``*_wsgi`` entries; PROXY_URL nginx in front
of the product's gunicorn, which answers the ``*_proxy`` entries (their
memory is the product's workers'); FLOOR_PID and FLOOR_URL the machine's
floor (benchmarks/floor.py), which answers the ``floor_*`` entries.

Every endpoint of ``benchmarks.endpoints`` runs for a few seconds, then the
next, in rounds (A, B, C ... A, B, C ...), so that whatever the machine does
meanwhile (another process, frequency scaling, a warming cache) falls on
every endpoint alike. Each round's start is rotated by one, so no endpoint
always follows the same neighbour. Per endpoint: requests/s over all rounds
(total requests / total time), and the median over rounds of each round's
p50 and p99. Meanwhile the gunicorn workers' memory is sampled from /proc:
the largest VmRSS seen while each endpoint ran (of the workers of the server
that answered it), and each worker's VmHWM (peak resident set) at the end,
the product's and the reference's apart.

Settings from the environment: BENCH_ROUNDS (5), BENCH_DURATION seconds per
run (4), BENCH_CONNECTIONS (8), BENCH_WARMUP seconds per endpoint (1),
BENCH_ONLY (comma-separated entry names: only those run; default every entry).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .endpoints import FLOOR, PRODUCT, PROXY, REFERENCE, WSGI, Endpoint, endpoints

HERE = Path(__file__).resolve().parent
LUA = HERE / "wrk" / "request.lua"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in text.split()]
    except OSError:
        return []


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class MemorySampler(threading.Thread):
    """Samples the workers' VmRSS and VmHWM every 100 ms."""

    def __init__(self, masters: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.masters = masters  # server -> gunicorn master pid
        self.current: str | None = None
        self.current_server = PRODUCT
        self.rss_by_endpoint: dict[str, int] = {}
        self.hwm_by_worker: dict[str, dict[int, int]] = {server: {} for server in masters}
        # The machine's 1-minute load average, to show how busy it was (other
        # processes on a shared machine are noise that interleaving spreads out).
        self.load: list[float] = []
        self.stopped = threading.Event()

    def sample(self) -> None:
        for server, master in self.masters.items():
            peaks = self.hwm_by_worker[server]
            for pid in _children(master):
                rss, hwm = _status_kb(pid, "VmRSS"), _status_kb(pid, "VmHWM")
                if hwm is not None:
                    peaks[pid] = max(hwm, peaks.get(pid, 0))
                if rss is not None and self.current and server == self.current_server:
                    self.rss_by_endpoint[self.current] = max(rss, self.rss_by_endpoint.get(self.current, 0))

    def run(self) -> None:
        ticks = 0
        while not self.stopped.is_set():
            self.sample()
            if ticks % 50 == 0:
                self.load.append(float(Path("/proc/loadavg").read_text().split()[0]))
            ticks += 1
            time.sleep(0.1)


def run_wrk(url: str, endpoint, token: str, seconds: float, connections: int, body_dir: str) -> dict:
    env = {**os.environ, "BENCH_METHOD": endpoint.method, "BENCH_TOKEN": token, "BENCH_BODY_FILE": ""}
    if endpoint.body is not None:
        body_file = Path(body_dir) / f"{endpoint.name}.json"
        body_file.write_text(endpoint.body)
        env["BENCH_BODY_FILE"] = str(body_file)
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url + endpoint.path,
    ]
    output = subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    for line in output.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line.removeprefix("BENCH_RESULT "))
            errors = result["errors"]
            if errors["status"] or errors["connect"] or errors["timeout"]:
                raise SystemExit(f"{endpoint.name}: wrk saw errors {errors}; see the server log")
            return result
    raise SystemExit(f"{endpoint.name}: no result from wrk:\n{output.stdout}\n{output.stderr}")


def select(plan: list[Endpoint], only: str) -> list[Endpoint]:
    """The entries BENCH_ONLY names (comma-separated), in the plan's order; empty: all of them.

    An unknown name stops the run: a typo must not pass for a measurement.
    """
    names = {name.strip() for name in only.split(",") if name.strip()}
    if not names:
        return plan
    unknown = names - {endpoint.name for endpoint in plan}
    if unknown:
        raise SystemExit(f"BENCH_ONLY names no entry: {', '.join(sorted(unknown))}")
    return [endpoint for endpoint in plan if endpoint.name in names]


def main(fixture_path: str, servers: dict[str, tuple[int, str]], out_path: str) -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    seconds = int(os.environ.get("BENCH_DURATION", "4"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "8"))
    warmup = int(os.environ.get("BENCH_WARMUP", "1"))
    fixture = json.loads(Path(fixture_path).read_text())
    plan = [
        endpoint
        for endpoint in select(
            endpoints(fixture["detail_id"], fixture.get("cursors")), os.environ.get("BENCH_ONLY", "")
        )
        if endpoint.server in servers
    ]
    urls = {server: url for server, (_pid, url) in servers.items()}
    # The proxy's entries are answered by the product's workers: their memory is sampled there.
    sampler = MemorySampler({server: pid for server, (pid, _url) in servers.items()})
    sampler.start()
    runs: dict[str, list[dict]] = {endpoint.name: [] for endpoint in plan}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-bodies-") as body_dir:
        for endpoint in plan:
            sampler.current = None
            run_wrk(
                urls[endpoint.server],
                endpoint,
                fixture["tokens"][endpoint.who],
                warmup,
                connections,
                body_dir,
            )
        for number in range(rounds):
            order = plan[number % len(plan) :] + plan[: number % len(plan)]
            for endpoint in order:
                sampler.current, sampler.current_server = endpoint.name, endpoint.server
                result = run_wrk(
                    urls[endpoint.server],
                    endpoint,
                    fixture["tokens"][endpoint.who],
                    seconds,
                    connections,
                    body_dir,
                )
                sampler.sample()
                runs[endpoint.name].append(result)
            print(f"round {number + 1}/{rounds} done ({time.monotonic() - started:.0f}s)", file=sys.stderr)
    sampler.current = None
    sampler.stopped.set()
    sampler.join()
    sampler.sample()

    results = {}
    for endpoint in plan:
        done = runs[endpoint.name]
        requests = sum(run["requests"] for run in done)
        duration = sum(run["duration_us"] for run in done) / 1e6
        results[endpoint.name] = {
            "surface": endpoint.surface,
            "server": endpoint.server,
            "kind": endpoint.kind,
            "page": endpoint.page,
            "method": endpoint.method,
            "path": endpoint.path,
            "who": endpoint.who,
            "notes": endpoint.notes,
            "requests": requests,
            "rps": requests / duration,
            "p50_ms": statistics.median(run["latency_us"]["p50"] for run in done) / 1000,
            "p99_ms": statistics.median(run["latency_us"]["p99"] for run in done) / 1000,
            "p99_max_ms": max(run["latency_us"]["p99"] for run in done) / 1000,
            "bytes_per_response": sum(run["bytes"] for run in done) / max(requests, 1),
            "rss_mb": sampler.rss_by_endpoint.get(endpoint.name, 0) / 1024,
            "rounds": [
                {"rps": run["requests"] / (run["duration_us"] / 1e6), **run["latency_us"]} for run in done
            ],
        }
    output = {
        "settings": {"rounds": rounds, "seconds": seconds, "connections": connections, "warmup": warmup},
        "only": [endpoint.name for endpoint in plan] if os.environ.get("BENCH_ONLY", "").strip() else None,
        # The product's workers (the memory target); the reference's apart.
        "worker_peak_rss_mb": {str(pid): kb / 1024 for pid, kb in sampler.hwm_by_worker[PRODUCT].items()},
        "reference_worker_peak_rss_mb": {
            str(pid): kb / 1024 for pid, kb in sampler.hwm_by_worker[REFERENCE].items()
        },
        # The same app on gunicorn gthread + backend.wsgi (the *_wsgi entries).
        "wsgi_worker_peak_rss_mb": {
            str(pid): kb / 1024 for pid, kb in sampler.hwm_by_worker.get(WSGI, {}).items()
        },
        "floor_worker_peak_rss_mb": {
            str(pid): kb / 1024 for pid, kb in sampler.hwm_by_worker.get(FLOOR, {}).items()
        },
        "endpoints": results,
        "elapsed_s": time.monotonic() - started,
        "load_average": {
            "mean": statistics.mean(sampler.load) if sampler.load else None,
            "max": max(sampler.load, default=None),
        },
    }
    Path(out_path).write_text(json.dumps(output, indent=2))


if __name__ == "__main__":
    if len(sys.argv) not in (7, 9, 10, 12):
        raise SystemExit(__doc__.splitlines()[0])
    servers = {PRODUCT: (int(sys.argv[2]), sys.argv[3]), REFERENCE: (int(sys.argv[5]), sys.argv[6])}
    if len(sys.argv) >= 9:
        servers[WSGI] = (int(sys.argv[7]), sys.argv[8])
    if len(sys.argv) >= 10:
        servers[PROXY] = (int(sys.argv[2]), sys.argv[9])
    if len(sys.argv) == 12:
        servers[FLOOR] = (int(sys.argv[10]), sys.argv[11])
    main(sys.argv[1], servers, sys.argv[4])
