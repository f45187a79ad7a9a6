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


def _hand_written(text: str) -> str:
    head, _, rest = text.partition(report.START)
    return head + rest.partition(report.END)[2]


def test_the_generated_section_holds_tables_and_targets_only(latest):
    section = report.markdown(latest)

    assert section.startswith(report.START) and section.endswith(report.END)
    assert "### Targets" in section and "### Every endpoint" in section
    assert "| `rest_list_100` | 123 | 0.71 | 67.7 | 231.5 | 3 |" in section
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
