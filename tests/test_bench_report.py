"""The report of `make bench`: what BENCHMARKS.md holds, what benchmarks/results/latest.md holds.

BENCHMARKS.md's generated section is the targets and the results tables only,
small enough that the page stays within its budget after any full run; the raw
parts (SQL, EXPLAIN plans, per-round figures, before/after) go to latest.md.
Both are rendered from the committed latest.json without measuring anything,
and the committed files are what that rendering gives (no hand edits, no drift).
"""

from __future__ import annotations

import copy
import json

import pytest

from benchmarks import report
from benchmarks.endpoints import PROXIED

LATEST = report.RESULTS / "latest.json"
PAGE_BUDGET = 15_000


@pytest.fixture
def latest() -> dict:
    data = json.loads(LATEST.read_text())
    data["targets"] = report.targets(data)
    return data


def _full_run(data: dict) -> dict:
    """The committed run as a full run would have it today: edge pairs and the flood beside it."""
    data = copy.deepcopy(data)
    health = {**data["endpoints"]["raw_list_20"], "kind": "health", "surface": "health", "page": None}
    data["endpoints"]["health"] = health
    data["queries"]["health"] = 0
    for name in PROXIED:
        data["endpoints"][f"{name}_proxy"] = {**data["endpoints"][name], "server": "proxy"}
        data["queries"][f"{name}_proxy"] = data["queries"][name]
    # The machine's floor (benchmarks/floor.py) and graphene on the frontend's Examples operation.
    for name, source, scale in (
        ("floor_health", "raw_list_20", 4.0),
        ("floor_list_20", "raw_list_20", 2.0),
        ("floor_list_100", "raw_list_100", 2.0),
        ("graphene_list_100_text", "graphene_list_100", 0.5),
    ):
        surface = "graphene" if name.startswith("graphene") else "floor"
        row = {
            **data["endpoints"][source],
            "surface": surface,
            "rps": data["endpoints"][source]["rps"] * scale,
        }
        if name == "floor_health":
            row.update(kind="health", page=None)
        data["endpoints"][name] = row
        data["queries"][name] = {"floor_health": 0, "graphene_list_100_text": 3}.get(name, 2)
    data["layers"] = LAYERS
    quiet = {"p50_ms": 12.3, "p99_ms": 45.6, "max_ms": 78.9}
    data["live_flood"] = {
        "flood_sockets": 10,
        "flood_subscriptions": 20,
        "flood_changes": 1234,
        "handshakes": 30,
        "quiet": quiet,
        "flooded": quiet,
    }
    return data


# benchmarks/layers.py's output for a stack of 16 middleware, two of them over 5% of the list.
STACK = [f"backend.middleware.Layer{number}Middleware" for number in range(14)]
LAYERS = {
    "path": "/api/v1/examples/?limit=100",
    "requests": 200,
    "rounds": 5,
    "us": {
        "whole stack": 10_000.0,
        **{name: 9_950.0 for name in STACK},
        "backend.metrics.MetricsMiddleware": 9_400.0,
        "django.contrib.sessions.middleware.SessionMiddleware": 9_000.0,
        "whole stack, again": 10_100.0,
        "no middleware": 8_000.0,
        "session authentication": 10_300.0,
        "floor": 4_000.0,
    },
    "broken": {"django.contrib.auth.middleware.AuthenticationMiddleware": "HTTP 500"},
}


def _hand_written(text: str) -> str:
    head, _, rest = text.partition(report.START)
    return head + rest.partition(report.END)[2]


def test_the_generated_section_holds_tables_and_targets_only(latest):
    section = report.markdown(latest)

    assert section.startswith(report.START) and section.endswith(report.END)
    assert "### Targets" in section and "### Every endpoint" in section
    assert "| `rest_list_100` | 123 |  | 0.71 | 67.7 | 231.5 | 3 |" in section
    assert "ASGI's throughput is 1.21\N{MULTIPLICATION SIGN} WSGI's" in section
    # Raw parts live in latest.md, linked from the section.
    assert "```" not in section and "EXPLAIN" not in section and "SELECT" not in section
    assert "Before and after" not in section
    assert "(benchmarks/results/latest.md)" in section


def test_the_generated_section_stays_within_its_budget_after_a_full_run(latest):
    section = len(report.markdown(latest).encode())
    full = len(report.markdown(_full_run(latest)).encode())

    assert section <= full <= report.SECTION_BUDGET, (section, full)
    # Whatever a run writes within the budget, BENCHMARKS.md stays within its own.
    around = len(_hand_written(report.DOC.read_text()).encode())
    assert around + report.SECTION_BUDGET <= PAGE_BUDGET, around


def test_the_full_run_shows_the_edge_and_the_flood(latest):
    section = report.markdown(_full_run(latest))

    assert "### The edge: through nginx against straight to gunicorn" in section
    assert "| `rest_list_20` | 169 | 169 | 1.00 |" in section
    assert "| one user flooding | 12.3 | 45.6 | 78.9 |" in section


def test_latest_md_holds_the_raw_parts(latest):
    before = json.loads((report.RESULTS / "before.json").read_text())

    text = report.details(latest, before)

    assert "## EXPLAIN (ANALYZE, BUFFERS) of the REST list, as it runs" in text
    assert '```sql\nSELECT "authtoken_token"."key"' in text
    assert "## Per round" in text and "| `raw_list_20` | 195 · 38.9 · 144.3 |" in text
    assert "## Before and after (before: 2026-12-01 13:59, commit `cd1cb7d+changes`)" in text
    assert "**Versions:** Django 5.2.19" in text


def test_rendering_from_the_committed_json_rewrites_both_documents(tmp_path, monkeypatch):
    doc, results = tmp_path / "BENCHMARKS.md", tmp_path / "results"
    results.mkdir()
    for name in ("latest.json", "before.json"):
        (results / name).write_text((report.RESULTS / name).read_text())
    doc.write_text(f"# Benchmarks\n\nby hand\n\n{report.START}\nold\n{report.END}\n\nafter\n")
    monkeypatch.setattr(report, "DOC", doc)
    monkeypatch.setattr(report, "RESULTS", results)

    report.cli([str(results / "latest.json")])

    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nby hand\n\n<!-- bench:results:start -->")
    assert text.endswith("<!-- bench:results:end -->\n\nafter\n") and "\nold\n" not in text
    assert "| `rest_list_100` | 123 |" in text
    assert (results / "latest.md").read_text().startswith("# Results of the committed run, in full")
    # Nothing is measured or charted again.
    assert sorted(path.name for path in results.iterdir()) == ["before.json", "latest.json", "latest.md"]


def test_the_committed_documents_are_what_the_committed_run_renders(latest):
    """Edit report.py, then `python -m benchmarks.report benchmarks/results/latest.json`."""
    before = json.loads((report.RESULTS / "before.json").read_text())
    committed = report.DOC.read_text()

    section = committed[committed.index(report.START) : committed.index(report.END) + len(report.END)]

    assert section == report.markdown(latest)
    assert (report.RESULTS / "latest.md").read_text() == report.details(latest, before)


def test_every_endpoint_is_a_fraction_of_its_floor(latest):
    section = report.markdown(_full_run(latest))

    assert (
        "| endpoint | req/s | \N{MULTIPLICATION SIGN} floor | \N{MULTIPLICATION SIGN} raw (same page) |"
        in section
    )
    # Lists over the floor's list at the same page (2 times raw's throughput), the rest over its health answer.
    assert "| `rest_list_100` | 123 | 0.36 | 0.71 |" in section
    assert "| `rest_detail` | 147 | 0.17 |  |" in section
    assert "| `floor_list_100` | 345 | 1.00 | 2.00 |" in section
    assert "| `floor_health` | 875 |  |  |" in section


def test_the_targets_judge_the_examples_operation(latest):
    full = {row["target"]: row for row in report.targets(_full_run(latest))}
    committed = {row["target"]: row for row in report.targets(latest)}

    graphene = "Frontend's `Examples` at 100 rows vs graphene (throughput)"
    rest = "Frontend's `Examples` at 100 rows vs REST list (throughput)"
    raw = "Frontend's `Examples` at 100 rows vs raw (throughput)"
    # strawberry_list_100_text 63 req/s, graphene's same text 77 times 0.5, REST 123, raw 172.
    assert full[graphene]["measured"] == "1.63\N{MULTIPLICATION SIGN}" and full[graphene]["met"] is False
    assert (
        full[rest]["measured"] == "0.51\N{MULTIPLICATION SIGN}"
        and full[raw]["goal"] == "≥ 0.7\N{MULTIPLICATION SIGN}"
    )
    assert committed[graphene]["measured"] == "not in this run" and committed[graphene]["met"] is None
    rest_vs_raw = committed["REST list at 100 rows vs raw (throughput)"]
    assert rest_vs_raw["goal"] == "≥ 0.8\N{MULTIPLICATION SIGN}" and rest_vs_raw["met"] is False
    data = _full_run(latest)
    data["targets"] = report.targets(data)
    assert (
        f"| {graphene} | ≥ 2\N{MULTIPLICATION SIGN} | 1.63\N{MULTIPLICATION SIGN} | ❌ no |"
        in report.markdown(data)
    )
    assert (
        f"| {graphene} | ≥ 2\N{MULTIPLICATION SIGN} | not in this run | — not measured |"
        in report.markdown(latest)
    )


def test_the_layers_table_shows_what_costs_5_percent_or_more(latest):
    data = _full_run(latest)
    section = report.markdown(data)
    every = report.details(data, None)

    assert "the whole stack 10000 µs" in section
    assert "| **`SessionMiddleware`** | 1000 | **10.0%** |" in section
    assert "| **`MetricsMiddleware`** | 600 | **6.0%** |" in section
    assert "Layer3Middleware" not in section and "| `Layer3Middleware` | 50 | 0.5% |" in every
    assert "| `AuthenticationMiddleware` | another layer needs it | |" in every
    assert "| **all middleware** | 2000 | **20.0%** |" in section
    assert "| noise: the whole stack against itself | -100 | -1.0% |" in section
    assert "| **session instead of token authentication** | 300 | **3.0%** |" not in section
    assert "| session instead of token authentication | 300 | 3.0% |" in section
    assert "| **Django and DRF over the floor** | 6000 | **60.0%** |" in section
