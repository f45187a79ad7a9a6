"""Production's GraphQL mode in a real browser: a backend with GRAPHQL_TRUSTED_DOCUMENTS_ONLY=1.

The frontend page and the typed client send their operations' ids from the
committed manifest and keep working; a query that is not in the manifest is
refused with PERSISTED_QUERY_REQUIRED and runs nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT
from .test_frontend_origin import PASSWORD, open_page, run_step


def test_the_frontend_works_and_an_arbitrary_query_is_refused(page: Page, trusted_backend, frontend_origin):
    bodies: list[dict] = []
    page.on(
        "request",
        lambda request: (
            bodies.append(json.loads(request.post_data or "{}"))
            if request.method == "POST" and request.url.endswith("/graphql/")
            else None
        ),
    )
    open_page(page, frontend_origin, trusted_backend)
    page.fill("#username", "trusted-user")
    page.fill("#password", PASSWORD)
    expect(run_step(page, "register")).to_contain_text("registered trusted-user")
    expect(run_step(page, "login")).to_contain_text("logged in as trusted-user")
    expect(run_step(page, "csrf")).to_contain_text("csrf token of 64 characters")

    page.fill("#title", "Session, by id")
    expect(run_step(page, "session-create")).to_have_text(
        re.compile(r'session-create: created #\d+ "Session, by id"')
    )
    page.fill("#title", "Token, by id")
    expect(run_step(page, "token-create")).to_have_text(
        re.compile(r'token-create: created #\d+ "Token, by id"')
    )
    expect(run_step(page, "token-examples")).to_have_text(
        'token-examples: totalCount=2 titles=["Token, by id","Session, by id"]'
    )
    expect(run_step(page, "session-examples")).to_contain_text("totalCount=2")
    expect(run_step(page, "anonymous-me")).to_have_text("anonymous-me: me=null")

    # Every other rule still holds: a session POST without X-CSRFToken is refused.
    page.fill("#title", "No CSRF header")
    expect(run_step(page, "session-create-no-csrf", "error")).to_contain_text("HTTP 403 CSRF_FAILED")

    # The page sent ids, never text.
    assert bodies and all("query" not in body and body["documentId"].startswith("sha256:") for body in bodies)

    # An arbitrary query, with a valid token: refused before anything runs.
    expect(run_step(page, "token-arbitrary", "error")).to_contain_text(
        "token-arbitrary: Error: HTTP 400 PERSISTED_QUERY_REQUIRED: This server runs only trusted documents"
    )
    assert trusted_backend.titles_of("trusted-user") == ["Session, by id", "Token, by id"]


def test_the_typed_client_works_against_a_trusted_only_server(trusted_backend):
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    if not tsx.exists():
        pytest.fail("node_modules is missing: run `npm ci` (make e2e does).", pytrace=False)
    trusted_backend.register("typed-trusted", PASSWORD)
    result = subprocess.run(
        [str(tsx), "frontend/demo.ts", trusted_backend.url, "typed-trusted", PASSWORD],
        cwd=ROOT,
        # Node 20's WebSocket (the live-updates helper) is behind this flag; later Nodes have it on.
        env={**os.environ, "NODE_OPTIONS": "--experimental-websocket"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)
    assert answer["me"] == "typed-trusted"
    assert answer["anonymousError"] == "UNAUTHENTICATED"
    assert answer["graphql"] == {"totalCount": 1, "titles": ["Typed client, renamed"]}
    assert trusted_backend.titles_of("typed-trusted") == ["Typed client, renamed"]
    # The subscription's text is the manifest's: it runs on a trusted-only server too.
    assert answer["live"]["updated"]["kind"] == "UPDATED"
    assert answer["live"]["deleted"] == {"kind": "DELETED", "id": True, "example": None}
