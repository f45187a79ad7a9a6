"""Turns one run's raw output into the committed results.

``python -m benchmarks.report .run/bench [--print-only | --only OUT.json]`` reads
fixture.json, sql.json and drive.json from that folder and writes:

- ``benchmarks/results/latest.json``: every number of the run;
- ``benchmarks/results/throughput.png``: throughput relative to ``raw``;
- the generated section of ``BENCHMARKS.md`` (between the ``bench:results``
  markers): the run in one line, each target beside its measured value, one
  compact row per endpoint, and the server, edge and live-updates tables;
- ``benchmarks/results/latest.md``: the rest of the run (machine, versions,
  every column per endpoint, per-round figures, the SQL each endpoint sends,
  the EXPLAIN of the list queries and, with ``benchmarks/results/before.json``
  present, a before/after table).

``python -m benchmarks.report benchmarks/results/latest.json`` writes the last
two again from a committed run, without running anything: the numbers stay the
run's, the layout is this module's.

``--only OUT.json`` (a ``BENCH_ONLY`` run of some entries): the entries' numbers
go to OUT.json and their tables to stdout; no target, chart or committed result
is touched.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "BENCHMARKS.md"
# The generated section must leave room in BENCHMARKS.md (15,000 bytes) for the text around it.
SECTION_BUDGET = 8_600
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
# The product's environment; the reference's versions come from its own run of inspect_sql.
PACKAGES = (
    "Django", "djangorestframework", "strawberry-graphql", "strawberry-graphql-django",
    "graphql-core", "gunicorn", "psycopg2-binary", "orjson",
)  # fmt: skip
LABELS = {
    "floor": "floor",
    "raw": "raw Django",
    "rest": "REST (DRF)",
    "strawberry": "Strawberry",
    "graphene": "graphene",
    "health": "health check",
}


def _machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    try:
        wrk = (
            subprocess.run(["wrk", "--version"], capture_output=True, text=True)
            .stdout.split("Copyright")[0]
            .strip()
        )
    except OSError:
        wrk = "unknown"
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    # "+changes": tracked code differed from the commit (earlier results do not count).
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!benchmarks/results",
            ":!BENCHMARKS.md",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk,
        "packages": versions,
        "commit": commit.stdout.strip() + ("+changes" if dirty.stdout.strip() else ""),
    }


def targets(data: dict) -> list[dict]:
    """Each target with the measured value and whether it holds."""
    ep, queries = data["endpoints"], data["queries"]
    rows = []

    lists = [
        name
        for name, row in ep.items()
        if row["kind"] == "list" and row["surface"] != "raw" and row["who"] == "reader"
    ]
    worst = max(queries[name] for name in lists)
    same = all(
        queries[f"{s}_list_20"] == queries[f"{s}_list_100"] for s in ("rest", "strawberry", "graphene")
    )
    rows.append(
        {
            "target": "SQL queries per authenticated list request (token lookup included), every surface",
            "goal": "≤ 3, identical at 20 and 100 rows",
            "measured": ", ".join(
                f"{LABELS[s]} {queries[f'{s}_list_20']}/{queries[f'{s}_list_100']}"
                for s in ("rest", "strawberry", "graphene")
            ),
            "met": worst <= 3 and same,
        }
    )

    def ratio(a: str, b: str) -> float:
        return ep[a]["rps"] / ep[b]["rps"]

    for name, goal, a, b in (
        ("REST list at 100 rows vs raw (throughput)", 0.8, "rest_list_100", "raw_list_100"),
        (
            "Strawberry list at 100 rows vs graphene (throughput)",
            1.3,
            "strawberry_list_100",
            "graphene_list_100",
        ),
        ("Strawberry list at 100 rows vs raw (throughput)", 0.5, "strawberry_list_100", "raw_list_100"),
    ):
        value = ratio(a, b)
        rows.append(
            {
                "target": name,
                "goal": f"≥ {goal}×",
                "measured": f"{value:.2f}×",
                "value": value,
                "met": value >= goal,
            }
        )

    reads = [name for name, row in ep.items() if row["kind"] in ("list", "detail")]
    spread = {name: ep[name]["p99_ms"] / ep[name]["p50_ms"] for name in reads}
    worst_read = max(spread, key=spread.get)
    rows.append(
        {
            "target": "p99 / p50 latency, every read endpoint",
            "goal": "≤ 3×",
            "measured": f"worst {spread[worst_read]:.2f}× ({worst_read})",
            "value": spread[worst_read],
            "met": spread[worst_read] <= 3,
        }
    )
    peak = max(data["worker_peak_rss_mb"].values())
    rows.append(
        {
            "target": "Worker peak RSS (VmHWM)",
            "goal": "< 150 MB",
            "measured": f"{peak:.0f} MB",
            "value": peak,
            "met": peak < 150,
        }
    )
    for page in (20, 100):
        value = ep[f"rest_list_{page}_100k"]["p50_ms"] / ep[f"rest_list_{page}"]["p50_ms"]
        rows.append(
            {
                "target": f"Scale: REST list p50 (limit={page}), 100,000 rows vs 1,000 rows for the user",
                "goal": "≤ 1.5×",
                "measured": f"{value:.2f}× ({ep[f'rest_list_{page}_100k']['p50_ms']:.1f} vs {ep[f'rest_list_{page}']['p50_ms']:.1f} ms)",
                "value": value,
                "met": value <= 1.5,
            }
        )
    rows.extend(cursor_targets(ep))
    rows.extend(examples_targets(ep))
    return rows


# The GraphQL headline: the frontend's Examples operation (owner, project with
# role) at 100 rows, sent as text; graphene answers the same text.
EXAMPLES_OP = "strawberry_list_100_text"
EXAMPLES_GOALS = (
    ("REST list", "rest_list_100", 0.9),
    ("raw", "raw_list_100", 0.7),
    ("graphene", "graphene_list_100_text", 2.0),
)


def examples_targets(ep: dict) -> list[dict]:
    """The Examples operation's throughput against REST, raw and graphene; "not measured" when a side is absent."""
    rows = []
    for label, other, goal in EXAMPLES_GOALS:
        target = f"Frontend's `Examples` at 100 rows vs {label} (throughput)"
        if EXAMPLES_OP not in ep or other not in ep:
            rows.append(
                {"target": target, "goal": f"≥ {goal:g}×", "measured": "not in this run", "met": None}
            )
            continue
        value = ep[EXAMPLES_OP]["rps"] / ep[other]["rps"]
        rows.append(
            {
                "target": target,
                "goal": f"≥ {goal:g}×",
                "measured": f"{value:.2f}×",
                "value": value,
                "met": value >= goal,
            }
        )
    return rows


def _met(met: bool | None) -> str:
    return "— not measured" if met is None else ("✅ yes" if met else "❌ no")


def floor_of(name: str, row: dict, ep: dict) -> dict | None:
    """An entry's floor: the machine's list at the same page for the reader's lists, its health answer otherwise."""
    if row["surface"] == "floor" and row["kind"] != "list":
        return None
    if row["kind"] == "list" and row["who"] == "reader" and row.get("page"):
        return ep.get(f"floor_list_{row['page']}")
    return ep.get("floor_health")


def _times_floor(name: str, row: dict, ep: dict) -> str:
    floor = floor_of(name, row, ep)
    return f"{row['rps'] / floor['rps']:.2f}" if floor and floor["rps"] else ""


def cursor_targets(ep: dict) -> list[dict]:
    """A deep keyset page costs what the first does; the first costs no more than an offset page."""
    rows = []
    for surface, offset_name in (("rest", "rest_list_20_100k"), ("strawberry", "strawberry_list_20_100k")):
        first, deep = ep.get(f"{surface}_cursor_first_100k"), ep.get(f"{surface}_cursor_page50_100k")
        offset = ep.get(offset_name)
        if first and deep:
            value = deep["p50_ms"] / first["p50_ms"]
            rows.append(
                {
                    "target": f"Cursor: {LABELS[surface]} 50th page p50 vs the first, 100,000 rows",
                    "goal": "≤ 1.2×",
                    "measured": f"{value:.2f}× ({deep['p50_ms']:.1f} vs {first['p50_ms']:.1f} ms)",
                    "value": value,
                    "met": value <= 1.2,
                }
            )
        if first and offset:
            value = first["p50_ms"] / offset["p50_ms"]
            rows.append(
                {
                    "target": f"Cursor: {LABELS[surface]} first cursor page p50 vs the first offset page, 100,000 rows",
                    "goal": "≤ 1×",
                    "measured": f"{value:.2f}× ({first['p50_ms']:.1f} vs {offset['p50_ms']:.1f} ms)",
                    "value": value,
                    "met": value <= 1,
                }
            )
    return rows


def chart(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ep = data["endpoints"]
    surfaces = ("raw", "rest", "strawberry", "graphene")
    colours = {
        "floor": "#444444",
        "raw": "#888888",
        "rest": "#1f77b4",
        "strawberry": "#d62728",
        "graphene": "#2ca02c",
        "health": "#9467bd",
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1, 1.4]})
    width = 0.2
    for index, surface in enumerate(surfaces):
        values = [ep[f"{surface}_list_{page}"]["rps"] / ep[f"raw_list_{page}"]["rps"] for page in (20, 100)]
        bars = left.bar(
            [p + (index - 1.5) * width for p in (0, 1)],
            values,
            width,
            label=LABELS[surface],
            color=colours[surface],
        )
        left.bar_label(bars, fmt="%.2f", fontsize=8)
    left.axhline(0.8, color=colours["rest"], linestyle="--", linewidth=1, label="REST target at 100 (0.8)")
    left.axhline(
        0.5, color=colours["strawberry"], linestyle=":", linewidth=1, label="Strawberry target at 100 (0.5)"
    )
    left.set_xticks([0, 1], ["list, 20 rows", "list, 100 rows"])
    left.set_ylabel("throughput relative to raw Django (same page)")
    left.set_title("Lists: requests/s ÷ raw's")
    left.legend(fontsize=8, loc="upper right", ncol=2)
    left.set_ylim(0, 1.55)

    # The slow scale rows and the health check (no app work) would set the axis' scale.
    names = [name for name in ep if not name.endswith("_100k") and ep[name]["kind"] != "health"]
    rps = [ep[name]["rps"] for name in names]
    bars = right.barh(names, rps, color=[colours[ep[name]["surface"]] for name in names])
    right.bar_label(bars, fmt="%.0f", fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("requests/s")
    right.set_title(f"Every endpoint ({data['settings']['connections']} connections, 2 workers)")
    fig.suptitle(f"make bench, {data['date'][:10]}, {data['machine']['cores']} cores", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(data: dict) -> list[str]:
    ep, queries, raw = data["endpoints"], data["queries"], data["endpoints"]
    lines = [
        "| endpoint | surface | req/s | × floor | × raw (same page) | p50 ms | p99 ms | p99/p50 | SQL/request | worker RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in ep.items():
        relative = ""
        floor = (
            raw.get(f"raw_list_{row['page']}") if row["kind"] == "list" and row["who"] == "reader" else None
        )
        if floor is not None:
            relative = f"{row['rps'] / floor['rps']:.2f}"
        lines.append(
            f"| `{name}` | {LABELS[row['surface']]} | {row['rps']:.0f} | {_times_floor(name, row, ep)} | {relative} | {row['p50_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {row['p99_ms'] / row['p50_ms']:.2f} | {queries[name]} | {row['rss_mb']:.0f} |"
        )
    return lines


def _mark(met: bool | None) -> str:
    return "" if met is None else ("✅" if met else "❌")


def _before_after(before: dict, after: dict) -> list[str]:
    lines = [
        "| endpoint | req/s before | req/s after | change | p50 ms before → after | p99 ms before → after | SQL before → after |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in after["endpoints"].items():
        old = before["endpoints"].get(name)
        if old is None:
            continue
        lines.append(
            f"| `{name}` | {old['rps']:.0f} | {row['rps']:.0f} | {row['rps'] / old['rps'] - 1:+.0%} | "
            f"{old['p50_ms']:.1f} → {row['p50_ms']:.1f} | {old['p99_ms']:.1f} → {row['p99_ms']:.1f} | "
            f"{before['queries'][name]} → {after['queries'][name]} |"
        )
    lines += ["", "| target | goal | before | after |", "|---|---|---|---|"]
    old_targets = {row["target"]: row for row in before["targets"]}
    for row in after["targets"]:
        old = old_targets.get(row["target"])
        was = f"{old['measured']} {_mark(old['met'])}" if old else ""
        lines.append(f"| {row['target']} | {row['goal']} | {was} | {row['measured']} {_mark(row['met'])} |")
    return lines


def _servers(data: dict) -> list[str]:
    """The product on uvicorn workers (ASGI) against the same app on gthread (WSGI), in the same run."""
    ep = data["endpoints"]
    lines = [
        "| request | ASGI req/s | WSGI req/s | ASGI / WSGI | p50 ms ASGI / WSGI | p99 ms ASGI / WSGI |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, wsgi in ep.items():
        asgi = ep.get(name.removesuffix("_wsgi")) if name.endswith("_wsgi") else None
        if asgi is None:
            continue
        lines.append(
            f"| `{name.removesuffix('_wsgi')}` | {asgi['rps']:.0f} | {wsgi['rps']:.0f} | "
            f"{asgi['rps'] / wsgi['rps'] if wsgi['rps'] else float('nan'):.2f} | "
            f"{asgi['p50_ms']:.1f} / {wsgi['p50_ms']:.1f} | "
            f"{asgi['p99_ms']:.1f} / {wsgi['p99_ms']:.1f} |"
        )
    return lines if len(lines) > 2 else []


def _geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(value) for value in values) / len(values))


def _peak(peaks: dict) -> str:
    return f"{max(peaks.values()):.0f} MB" if peaks else "not sampled"


def _server_split(data: dict) -> list[str]:
    """The chosen split (one ASGI server for HTTP and WebSocket) against the alternative, from the pairs."""
    ep = data["endpoints"]
    ratios = {
        name.removesuffix("_wsgi"): ep[name.removesuffix("_wsgi")]["rps"] / row["rps"]
        for name, row in ep.items()
        if name.endswith("_wsgi") and name.removesuffix("_wsgi") in ep and row["rps"]
    }
    if not ratios:
        return []
    mean = _geometric_mean(list(ratios.values()))
    low, high = min(ratios, key=ratios.get), max(ratios, key=ratios.get)
    return [
        f"The chosen split serves HTTP and WebSocket from one ASGI pool; the alternative serves HTTP "
        f"on the WSGI column's server and routes `/graphql/` upgrades through the proxy to a second, "
        f"ASGI pool. Over these {len(ratios)} requests ASGI's throughput is {mean:.2f}× WSGI's "
        f"(geometric mean; from {ratios[low]:.2f}× for `{low}` to {ratios[high]:.2f}× for `{high}`). "
        f"Worker peak RSS: ASGI {_peak(data.get('worker_peak_rss_mb') or {})}, "
        f"WSGI {_peak(data.get('wsgi_worker_peak_rss_mb') or {})} per worker; the alternative runs "
        "both pools on the same cores.",
    ]


def _proxy(data: dict) -> list[str]:
    """Each request through nginx against the same request straight to gunicorn, in the same run."""
    ep = data["endpoints"]
    lines = [
        "| request | direct req/s | through nginx req/s | nginx / direct | p50 ms direct → nginx (Δ) "
        "| p99 ms direct → nginx (Δ) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, proxied in ep.items():
        direct = ep.get(name.removesuffix("_proxy")) if name.endswith("_proxy") else None
        if direct is None:
            continue
        lines.append(
            f"| `{name.removesuffix('_proxy')}` | {direct['rps']:.0f} | {proxied['rps']:.0f} | "
            f"{proxied['rps'] / direct['rps'] if direct['rps'] else float('nan'):.2f} | "
            f"{direct['p50_ms']:.1f} → {proxied['p50_ms']:.1f} ({proxied['p50_ms'] - direct['p50_ms']:+.1f}) | "
            f"{direct['p99_ms']:.1f} → {proxied['p99_ms']:.1f} ({proxied['p99_ms'] - direct['p99_ms']:+.1f}) |"
        )
    if len(lines) == 2:
        return []
    return [
        "### The edge: through nginx against straight to gunicorn",
        "",
        "The same requests, interleaved in this run, to the product's gunicorn directly and through nginx "
        "(`scripts/nginx.sh`, the production template, on the same machine; the `*_proxy` rows).",
        "",
        *lines,
        "",
    ]


def _live_flood(data: dict) -> list[str]:
    flood = data.get("live_flood")
    if not flood:
        return []
    rows = [
        f"| {label} | {flood[key]['p50_ms']:.1f} | {flood[key]['p99_ms']:.1f} | {flood[key]['max_ms']:.1f} |"
        for label, key in (("nobody flooding", "quiet"), ("one user flooding", "flooded"))
    ]
    return [
        "### Live updates: another user's connection_ack while one user floods",
        "",
        f"One user holds {flood['flood_sockets']} sockets with {flood['flood_subscriptions']} subscriptions "
        f"and changes an example as fast as the server answers ({flood['flood_changes']} changes); another "
        f"user opens {flood['handshakes']} sockets one after another; time from connection_init to "
        "connection_ack (benchmarks/live_flood.py):",
        "",
        "| | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|",
        *rows,
        "",
    ]


def _live(data: dict) -> list[str]:
    live = data.get("live")
    if not live:
        return []
    return [
        "### Live updates: one event to many subscribers",
        "",
        f"{live['subscribers']} sockets (graphql-transport-ws, the measured user, `exampleEvents` as the "
        f"frontend's trusted document) on the product server, {live['writes']} REST PATCHes one after another; "
        "latency from sending the PATCH to each socket's event (request, commit, Redis channel layer, each "
        "socket's policy check and fields; benchmarks/live.py):",
        "",
        "| deliveries | p50 ms | p99 ms | max ms | slowest socket per write, median ms |",
        "|---:|---:|---:|---:|---:|",
        f"| {live['deliveries']} | {live['p50_ms']:.1f} | {live['p99_ms']:.1f} | {live['max_ms']:.1f} | "
        f"{live['slowest_socket_median_ms']:.1f} |",
        "",
    ]


# What benchmarks/layers.py calls its variants besides the stack's middleware.
LAYER_VARIANTS = ("whole stack", "whole stack, again", "no middleware", "session authentication", "floor")
# A layer over this share of a list request is cut or justified in BENCHMARKS.md.
LAYER_BUDGET = 0.05


def layer_rows(layers: dict) -> list[tuple[str, float | None, bool]]:
    """(layer, CPU µs per request it costs, is a total) from benchmarks/layers.py's output.

    None for a middleware that cannot be removed alone (another one needs it).
    """
    us, broken = layers["us"], layers.get("broken", {})
    full = us["whole stack"]
    rows: list[tuple[str, float | None, bool]] = [
        (name.rsplit(".", 1)[-1], None if name in broken else full - us[name], False)
        for name in [*us, *broken]
        if name not in LAYER_VARIANTS
    ]
    for label, variant, sign in (
        ("noise: the whole stack against itself", "whole stack, again", 1),
        ("all middleware", "no middleware", 1),
        ("session instead of token authentication", "session authentication", -1),
        ("Django and DRF over the floor", "floor", 1),
    ):
        if variant in us:
            rows.append((label, sign * (full - us[variant]), True))
    return rows


def _layers(data: dict, every: bool = False) -> list[str]:
    """The layers' table: in BENCHMARKS.md those at LAYER_BUDGET or more and the totals; ``every`` one in latest.md."""
    layers = data.get("layers")
    if not layers:
        return []
    full = layers["us"]["whole stack"]
    lines = [
        "### Middleware and authentication per list request",
        "",
        f"CPU µs that removing each layer saves a REST list at 100 rows (in process, the whole stack "
        f"{full:.0f} µs; benchmarks/layers.py), {LAYER_BUDGET:.0%} or more in bold"
        + ("." if every else "; every layer in latest.md."),
        "",
        "| layer | µs per request | % of a list request |",
        "|---|---:|---:|",
    ]
    for name, cost, total in layer_rows(layers):
        if cost is None:
            if every:
                lines.append(f"| `{name}` | another layer needs it | |")
            continue
        share = cost / full
        if not (every or total or share >= LAYER_BUDGET):
            continue
        mark = "**" if share >= LAYER_BUDGET else ""
        shown = name if total else f"`{name}`"
        lines.append(f"| {mark}{shown}{mark} | {cost:.0f} | {mark}{share:.1%}{mark} |")
    return [*lines, ""]


def _reference_peaks(data: dict) -> str:
    peaks = (data.get("reference_worker_peak_rss_mb") or {}).values()
    return f"; the reference's workers: {', '.join(f'{mb:.0f} MB' for mb in peaks)}" if peaks else ""


def _compact_table(data: dict) -> list[str]:
    """One short row per endpoint for BENCHMARKS.md; every column is in latest.md."""
    ep, queries = data["endpoints"], data["queries"]
    lines = [
        "| endpoint | req/s | × floor | × raw (same page) | p50 ms | p99 ms | SQL/request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in ep.items():
        floor = (
            ep.get(f"raw_list_{row['page']}") if row["kind"] == "list" and row["who"] == "reader" else None
        )
        relative = f"{row['rps'] / floor['rps']:.2f}" if floor is not None else ""
        lines.append(
            f"| `{name}` | {row['rps']:.0f} | {_times_floor(name, row, ep)} | {relative} | {row['p50_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {queries[name]} |"
        )
    return lines


def _targets_table(data: dict) -> list[str]:
    lines = ["| target | goal | measured | met |", "|---|---|---|---|"]
    for row in data["targets"]:
        lines.append(f"| {row['target']} | {row['goal']} | {row['measured']} | {_met(row['met'])} |")
    return lines


def _settings(data: dict) -> str:
    settings = data["settings"]
    return (
        f"{settings['rounds']} interleaved rounds × {settings['seconds']:g} s per endpoint, "
        f"{settings['connections']} connections"
    )


def markdown(data: dict) -> str:
    """The generated section of BENCHMARKS.md: the targets and the results tables, nothing raw."""
    m, load = data["machine"], data["load_average"]
    out = [
        START,
        "<!-- Generated by `make bench` (benchmarks/report.py); edit the text outside these markers. -->",
        "",
        f"**Run:** {data['date']} · commit `{m['commit']}` · {_settings(data)} · 1-minute load average "
        f"mean {load['mean']:.1f}, max {load['max']:.1f} · {m['cores']} cores · "
        f"{data['postgres'].split(' (')[0].split(' on ')[0]}. Machine, versions, every column, per-round "
        "figures, SQL and plans: [benchmarks/results/latest.md](benchmarks/results/latest.md).",
        "",
        "### Targets",
        "",
        *_targets_table(data),
        "",
        "### Every endpoint",
        "",
        *_compact_table(data),
        "",
        f"Worker peak RSS (VmHWM, per worker): {', '.join(f'{mb:.0f} MB' for mb in data['worker_peak_rss_mb'].values())}"
        + _reference_peaks(data)
        + ".",
        "",
        "![Throughput relative to raw Django](benchmarks/results/throughput.png)",
        "",
        *_sections(data),
        *_layers(data),
        *_live(data),
        *_live_flood(data),
        END,
    ]
    return "\n".join(out)


def _per_round(data: dict) -> list[str]:
    """Each round's requests/s, p50 and p99 (wrk reports microseconds)."""
    rounds = max((len(row.get("rounds", [])) for row in data["endpoints"].values()), default=0)
    if not rounds:
        return []
    lines = [
        "| endpoint | " + " | ".join(f"round {n}" for n in range(1, rounds + 1)) + " |",
        "|---|" + "---:|" * rounds,
    ]
    for name, row in data["endpoints"].items():
        cells = [
            f"{r['rps']:.0f} · {r['p50'] / 1000:.1f} · {r['p99'] / 1000:.1f}" for r in row.get("rounds", [])
        ]
        lines.append(f"| `{name}` | " + " | ".join(cells + [""] * (rounds - len(cells))) + " |")
    return ["## Per round", "", "Each cell: req/s · p50 ms · p99 ms of that round.", "", *lines, ""]


def _sql(data: dict) -> list[str]:
    out = ["## SQL per request", "", "Every statement one request of each endpoint sends, as captured.", ""]
    for name, statements in data.get("sql", {}).items():
        out += [f"### `{name}` ({len(statements)} statements)", "", "```sql", *statements, "```", ""]
    return out


def _explain(data: dict) -> list[str]:
    out = ["## EXPLAIN (ANALYZE, BUFFERS) of the REST list, as it runs", ""]
    for name, plans in data.get("explain", {}).items():
        out += [f"### `{name}`", ""]
        for label in ("count", "page"):
            out += [
                f"{label}:",
                "",
                "```sql",
                plans[label]["sql"],
                "```",
                "",
                "```",
                *plans[label]["plan"],
                "```",
                "",
            ]
    return out


def details(data: dict, before: dict | None) -> str:
    """benchmarks/results/latest.md: everything of the run that BENCHMARKS.md leaves out."""
    m = data["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in m["packages"].items() if version)
    reference = data.get("reference_packages") or {}
    if reference:
        versions += " · reference (reference/.venv): " + ", ".join(
            f"{name} {version}" for name, version in reference.items()
        )
    peaks = ", ".join(f"{mb:.0f} MB" for mb in data["worker_peak_rss_mb"].values())
    out = [
        "# Results of the committed run, in full",
        "",
        "Generated by `make bench` (`benchmarks/report.py`) from `benchmarks/results/latest.json`; do not "
        "edit. The targets and the summary tables are in [BENCHMARKS.md](../../BENCHMARKS.md).",
        "",
        f"**Run:** {data['date']} · commit `{m['commit']}` · {_settings(data)}, wrk 1 thread · whole run "
        f"{data['elapsed_s']:.0f} s of load",
        "",
        f"**Load:** 1-minute load average during the run: mean {data['load_average']['mean']:.1f}, "
        f"max {data['load_average']['max']:.1f} (the benchmark itself keeps about 3 busy: 2 workers, "
        "PostgreSQL, wrk; more means other work shared the machine)",
        "",
        f"**Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux {m['kernel']} · "
        f"Python {m['python']} · {data['postgres'].split(' on ')[0]} · {m['wrk']}",
        "",
        f"**Versions:** {versions}",
        "",
        f"**Data:** the measured user owns {data['rows']['reader']:,} examples; another owns "
        f"{data['rows']['scale']:,} (the scale rows); {data['rows']['others']:,} more belong to 20 other users "
        f"({data['rows']['total']:,} in the table when measured). Writes are a third user's.",
        "",
        "## Every endpoint, every column",
        "",
        *_table(data),
        "",
        f"Worker peak RSS (VmHWM at the end of the run, per worker): {peaks}"
        + _reference_peaks(data)
        + (
            f"; the floor's: {_peak(data['floor_worker_peak_rss_mb'])}"
            if data.get("floor_worker_peak_rss_mb")
            else ""
        )
        + ". The RSS column is the largest VmRSS of any worker of the server that answered the endpoint "
        "(graphene: the reference's own gunicorn), sampled while it ran.",
        "",
        *_per_round(data),
        *_layers(data, every=True),
    ]
    if before is not None:
        out += [
            f"## Before and after (before: {before['date'][:16]}, commit `{before['machine']['commit']}`)",
            "",
            *_before_after(before, data),
            "",
        ]
    out += [*_explain(data), *_sql(data)]
    return "\n".join(out).rstrip("\n") + "\n"


def publish(data: dict) -> None:
    """Writes BENCHMARKS.md's generated section and latest.md from one run's numbers."""
    before_path = RESULTS / "before.json"
    before = json.loads(before_path.read_text()) if before_path.exists() else None
    text = DOC.read_text() if DOC.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + markdown(data) + tail)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(details(data, before))


def render(results_json: Path) -> None:
    """Re-renders the committed run's documents from its JSON; nothing is measured."""
    data = json.loads(results_json.read_text())
    data["targets"] = targets(data)
    publish(data)
    print(f"wrote {DOC} and {RESULTS / 'latest.md'} from {results_json}", file=sys.stderr)


def _sections(data: dict) -> list[str]:
    """The server split and the edge, each when its entries ran."""
    out = []
    servers = _servers(data)
    if servers:
        out += [
            "### Server: gunicorn with uvicorn workers (ASGI, live updates) against gthread (WSGI, before)",
            "",
            "The same app, settings and worker count, interleaved in this run (the `*_wsgi` rows above).",
            "",
            *servers,
            "",
            *_server_split(data),
            "",
        ]
    return out + _proxy(data)


def only(data: dict, out_path: Path) -> str:
    """A BENCH_ONLY run: its numbers to ``out_path``, its tables as text; nothing committed is touched."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(data, indent=2) + "\n")
    load = data["load_average"]
    head = (
        f"**Run:** {data['date']} · commit `{data['machine']['commit']}` · entries {', '.join(data['endpoints'])} · "
        f"{data['settings']['rounds']} interleaved rounds × {data['settings']['seconds']:g} s, "
        f"{data['settings']['connections']} connections · load average mean {load['mean']:.1f}, max {load['max']:.1f}"
    )
    return "\n".join([head, "", *_table(data), "", *_sections(data), *_layers(data, every=True)])


def main(work: str, print_only: bool = False, only_path: str | None = None) -> None:
    work_dir = Path(work)
    fixture = json.loads((work_dir / "fixture.json").read_text())
    sql = json.loads((work_dir / "sql.json").read_text())
    drive = json.loads((work_dir / "drive.json").read_text())
    data = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": _machine(),
        "postgres": sql["postgres"],
        "rows": fixture["rows"],
        "settings": drive["settings"],
        "elapsed_s": drive["elapsed_s"],
        "load_average": drive.get("load_average"),
        "worker_peak_rss_mb": drive["worker_peak_rss_mb"],
        "reference_worker_peak_rss_mb": drive.get("reference_worker_peak_rss_mb", {}),
        "reference_packages": sql.get("reference_packages", {}),
        "queries": sql["queries"],
        "sql": sql["sql"],
        "explain": sql["explain"],
        "endpoints": drive["endpoints"],
        "wsgi_worker_peak_rss_mb": drive.get("wsgi_worker_peak_rss_mb", {}),
        "floor_worker_peak_rss_mb": drive.get("floor_worker_peak_rss_mb", {}),
        "live": (
            json.loads((work_dir / "live.json").read_text()) if (work_dir / "live.json").exists() else None
        ),
        "layers": (
            json.loads((work_dir / "layers.json").read_text())
            if (work_dir / "layers.json").exists()
            else None
        ),
        "live_flood": (
            json.loads((work_dir / "live_flood.json").read_text())
            if (work_dir / "live_flood.json").exists()
            else None
        ),
    }
    if only_path is not None:
        # Some entries only: no target can be judged, and the committed results stay as they are.
        data["queries"] = {name: data["queries"][name] for name in data["endpoints"]}
        for key in ("sql", "explain"):
            data.pop(key)
        print(only(data, Path(only_path)))
        print(f"wrote {only_path}", file=sys.stderr)
        return
    data["targets"] = targets(data)
    for row in data["targets"]:
        print(
            f"{'ok  ' if row['met'] else 'MISS'} {row['target']}: {row['measured']} (goal {row['goal']})",
            file=sys.stderr,
        )
    for line in _table(data):
        print(line, file=sys.stderr)
    out_dir = RESULTS if not print_only else work_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(data, indent=2) + "\n")
    chart(data, out_dir / "throughput.png")
    if print_only:
        return
    publish(data)
    print(
        f"wrote {RESULTS / 'latest.json'}, {RESULTS / 'throughput.png'}, {RESULTS / 'latest.md'} and {DOC}",
        file=sys.stderr,
    )


def cli(arguments: list[str]) -> None:
    source, options = arguments[0], arguments[1:]
    if source.endswith(".json"):
        render(Path(source))
        return
    only_path = options[options.index("--only") + 1] if "--only" in options else None
    main(source, "--print-only" in options, only_path)


if __name__ == "__main__":
    cli(sys.argv[1:])
