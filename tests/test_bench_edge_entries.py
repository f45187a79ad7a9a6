"""The edge and server-split entries of `make bench`, the BENCH_ONLY knob, and their report.

The ``*_proxy`` entries send exactly their direct twin's request (only the
server differs: nginx in front of the product), each twin answers as
measured, BENCH_ONLY picks entries by name, and the report puts each pair side
by side (the proxy's cost, ASGI against WSGI) when their results exist, and
leaves the committed results alone for a BENCH_ONLY run.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from api.models import ExampleModel
from benchmarks import report
from benchmarks.drive import select
from benchmarks.endpoints import PRODUCT, PROXIED, PROXY, SAME_APP, endpoints

from .factories import token_for


def _row(rps: float, p50: float, p99: float, **extra) -> dict:
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "kind": "list",
        "who": "reader",
        "page": 20,
        "surface": "rest",
        "rss_mb": 100.0,
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.urls("benchmarks.urls")
def test_every_proxied_entry_is_its_direct_twin_through_nginx_and_answers(client, user):
    ExampleModel.objects.bulk_create(ExampleModel(user=user, title=f"t{n}") for n in range(3))
    detail = ExampleModel.objects.filter(user=user).first()
    by_name = {entry.name: entry for entry in endpoints(detail.id)}
    headers = {"Authorization": f"Token {token_for(user)}"}

    assert {name for name, entry in by_name.items() if entry.server == PROXY} == {
        f"{name}_proxy" for name in PROXIED
    }
    # The SQL per request of a proxied entry is counted on the product (benchmarks.inspect_sql).
    assert SAME_APP[PROXY] == PRODUCT
    for name in PROXIED:
        direct, proxied = by_name[name], by_name[f"{name}_proxy"]
        assert direct.server == PRODUCT
        assert (proxied.method, proxied.path, proxied.body, proxied.who, proxied.surface) == (
            direct.method,
            direct.path,
            direct.body,
            direct.who,
            direct.surface,
        )
        if direct.method == "GET":
            response = client.get(direct.path, headers=headers)
        else:
            response = client.post(direct.path, direct.body, content_type="application/json", headers=headers)
        assert response.status_code == 200, (name, response.content[:300])
        assert "errors" not in response.json(), name


def test_bench_only_picks_the_named_entries_in_the_plan_order():
    plan = endpoints(1)

    chosen = select(plan, " rest_list_20_proxy,health, rest_list_20 ")

    assert [entry.name for entry in chosen] == ["health", "rest_list_20", "rest_list_20_proxy"]
    assert select(plan, "") == plan
    with pytest.raises(SystemExit, match="rest_list_21"):
        select(plan, "health,rest_list_21")


def test_the_report_shows_the_proxys_cost_beside_the_direct_request():
    data = {
        "endpoints": {
            "rest_list_20": _row(200, 40.0, 100.0),
            "rest_list_20_proxy": _row(180, 42.5, 110.0),
            "health": _row(1000, 5.0, 20.0, kind="health", surface="health"),
            "health_proxy": _row(800, 6.0, 21.0, kind="health", surface="health"),
        }
    }

    text = "\n".join(report._sections(data))

    assert "### The edge: through nginx against straight to gunicorn" in text
    assert "| `rest_list_20` | 200 | 180 | 0.90 | 40.0 → 42.5 (+2.5) | 100.0 → 110.0 (+10.0) |" in text
    assert "| `health` | 1000 | 800 | 0.80 | 5.0 → 6.0 (+1.0) | 20.0 → 21.0 (+1.0) |" in text
    # No server table without *_wsgi results.
    assert "ASGI" not in text


def test_the_report_leaves_the_edge_out_without_its_results():
    data = {"endpoints": {"rest_list_20": _row(200, 40.0, 100.0)}}

    assert report._sections(data) == []


def test_the_report_compares_the_server_split_from_the_pairs():
    data = {
        "endpoints": {
            "rest_list_20": _row(200, 40.0, 100.0),
            "rest_list_20_wsgi": _row(100, 60.0, 150.0),
            "rest_detail": _row(100, 40.0, 100.0, kind="detail"),
            "rest_detail_wsgi": _row(200, 30.0, 90.0, kind="detail"),
        },
        "worker_peak_rss_mb": {"1": 120.0, "2": 126.4},
        "wsgi_worker_peak_rss_mb": {"3": 101.0},
    }

    text = "\n".join(report._sections(data))

    assert "| `rest_list_20` | 200 | 100 | 2.00 | 40.0 / 60.0 | 100.0 / 150.0 |" in text
    # Geometric mean of 2.00 and 0.50.
    assert "ASGI's throughput is 1.00\N{MULTIPLICATION SIGN} WSGI's" in text
    assert (
        "from 0.50\N{MULTIPLICATION SIGN} for `rest_detail` to 2.00\N{MULTIPLICATION SIGN} for `rest_list_20`"
        in text
    )
    assert "ASGI 126 MB, WSGI 101 MB per worker" in text


def test_a_bench_only_report_writes_its_own_file_and_touches_no_committed_result(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    results, doc = tmp_path / "results", tmp_path / "BENCHMARKS.md"
    monkeypatch.setattr(report, "RESULTS", results)
    monkeypatch.setattr(report, "DOC", doc)
    (work / "fixture.json").write_text(json.dumps({"rows": {"reader": 3}}))
    (work / "sql.json").write_text(
        json.dumps(
            {
                "postgres": "PostgreSQL 15",
                "queries": {"rest_list_20": 3, "rest_list_20_proxy": 3, "raw_list_20": 3},
                "sql": {},
                "explain": {},
            }
        )
    )
    (work / "drive.json").write_text(
        json.dumps(
            {
                "settings": {"rounds": 1, "seconds": 1, "connections": 8, "warmup": 1},
                "only": ["rest_list_20", "rest_list_20_proxy"],
                "elapsed_s": 2.0,
                "load_average": {"mean": 1.5, "max": 2.0},
                "worker_peak_rss_mb": {"1": 120.0},
                "endpoints": {
                    "rest_list_20": _row(200, 40.0, 100.0),
                    "rest_list_20_proxy": _row(180, 42.5, 110.0),
                },
            }
        )
    )
    out = tmp_path / "edge.json"

    report.main(str(work), only_path=str(out))

    written = json.loads(out.read_text())
    assert set(written["endpoints"]) == {"rest_list_20", "rest_list_20_proxy"}
    assert written["queries"] == {"rest_list_20": 3, "rest_list_20_proxy": 3}
    assert "targets" not in written
    assert not results.exists() and not doc.exists()


def test_every_strawberry_entry_is_a_valid_document_of_the_schema():
    """A schema change that breaks an entry's document fails here, not 3 minutes into `make bench`."""
    from graphql import parse, validate

    from graphql_api.schema import schema

    cursors = {"rest_path": "/api/v1/examples/?cursor=x", "graphql_after": "x"}
    for entry in endpoints(1, cursors):
        if entry.surface != "strawberry" or "query" not in json.loads(entry.body):
            continue
        errors = validate(schema._schema, parse(json.loads(entry.body)["query"]))
        assert errors == [], (entry.name, errors)


def test_every_graphene_entry_is_a_valid_document_of_the_reference():
    """graphene's entries, the frontend's Examples operation among them, validated by the reference itself."""
    root = Path(__file__).resolve().parent.parent
    cursors = {"rest_path": "/api/v1/examples/?cursor=x", "graphql_after": "x"}
    queries = {
        entry.name: json.loads(entry.body)["query"]
        for entry in endpoints(1, cursors)
        if entry.surface == "graphene"
    }
    script = (
        "import json, sys, django; django.setup(); from graphql import parse, validate; "
        "from reference.schema import schema; queries = json.load(sys.stdin); "
        "print(json.dumps({name: [error.message for error in validate(schema.graphql_schema, parse(text))] "
        "for name, text in queries.items()}))"
    )
    environment = {**os.environ, "PYTHONPATH": str(root), "DJANGO_SETTINGS_MODULE": "reference.settings_test"}

    done = subprocess.run(
        [str(root / "reference" / ".venv" / "bin" / "python"), "-c", script],
        input=json.dumps(queries),
        env=environment,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )

    assert "graphene_list_100_text" in queries and "query Examples(" in queries["graphene_list_100_text"]
    assert json.loads(done.stdout.splitlines()[-1]) == {name: [] for name in queries}
