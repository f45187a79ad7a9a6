"""The web frontend's view: a page on http://localhost:3000 logs in over REST and calls /graphql/.

The page (tests/e2e/site/) is what the frontend does, in plain JavaScript;
these tests click its buttons in Chromium and check what it shows, then check
the database behind the API.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "correct-Horse-battery-9"


def run_step(page: Page, step: str, status: str = "ok"):
    """Click one of the page's buttons and wait for its result; returns the result's locator."""
    page.click(f"#{step}")
    result = page.locator(f"#result-{step}")
    expect(result).to_have_attribute("data-status", re.compile("ok|error"))
    expect(result).to_have_attribute("data-status", status)
    return result


def open_page(page: Page, origin: str, backend) -> None:
    page.goto(f"{origin}/index.html?api={backend.url}")
    expect(page.locator("#page-origin")).to_have_text(origin)


def test_session_cookie_with_csrf_then_token_only(page: Page, backend, frontend_origin):
    open_page(page, frontend_origin, backend)
    page.fill("#username", "frontend-user")
    page.fill("#password", PASSWORD)

    expect(run_step(page, "register")).to_contain_text("registered frontend-user")
    expect(run_step(page, "login")).to_contain_text("logged in as frontend-user; token of 40 characters")
    expect(run_step(page, "csrf")).to_contain_text("csrf token of 64 characters")
    # The browser holds the backend's session and CSRF cookies, for its host.
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies(backend.url)}
    assert {"sessionid", "csrftoken"} <= cookies.keys()
    assert cookies["sessionid"]["httpOnly"] is True

    # Session cookie + X-CSRFToken.
    expect(run_step(page, "session-examples")).to_have_text("session-examples: totalCount=0 titles=[]")
    page.fill("#title", "Written with the session")
    expect(run_step(page, "session-create")).to_have_text(
        re.compile(r'session-create: created #\d+ "Written with the session"')
    )
    expect(run_step(page, "session-examples")).to_have_text(
        'session-examples: totalCount=1 titles=["Written with the session"]'
    )

    # The same session without the header: refused, nothing written.
    page.fill("#title", "No CSRF header")
    expect(run_step(page, "session-create-no-csrf", "error")).to_contain_text(
        "HTTP 403 CSRF_FAILED: CSRF Failed: CSRF token missing."
    )

    # The token alone, with credentials: 'omit' (no cookies at all).
    page.fill("#title", "Written with the token")
    expect(run_step(page, "token-create")).to_have_text(
        re.compile(r'token-create: created #\d+ "Written with the token"')
    )
    expect(run_step(page, "token-examples")).to_have_text(
        'token-examples: totalCount=2 titles=["Written with the token","Written with the session"]'
    )
    # Proof that 'omit' really sends no session cookie: with no token either, nobody is logged in.
    expect(run_step(page, "anonymous-me")).to_have_text("anonymous-me: me=null")

    assert backend.titles_of("frontend-user") == ["Written with the session", "Written with the token"]


def test_another_origin_is_refused_by_cors(page: Page, backend, foreign_origin, browser_log):
    # A real account and token: the refusal is about the origin, not the credentials.
    token = backend.register("cors-victim", PASSWORD)
    open_page(page, foreign_origin, backend)
    assert foreign_origin.startswith("http://127.0.0.1:")
    mark = backend.log_mark()

    page.fill("#username", "cors-victim")
    page.fill("#password", PASSWORD)
    expect(run_step(page, "login", "error")).to_have_text("login: TypeError: Failed to fetch")

    page.fill("#token", token)
    page.fill("#title", "From an untrusted origin")
    expect(run_step(page, "token-create", "error")).to_have_text("token-create: TypeError: Failed to fetch")

    # Chromium says why: the backend's answer had no Access-Control-Allow-Origin for this origin.
    blocked = [line for line in browser_log.lines if "blocked by CORS policy" in line]
    assert any(f"from origin '{foreign_origin}'" in line for line in blocked), browser_log.text()
    # Both requests need a preflight (JSON body, Authorization header). The
    # server answered it without CORS headers, so the browser never sent them.
    seen = {(method, path) for method, path, _status in backend.requests_since(mark)}
    assert ("OPTIONS", "/api/auth/login/") in seen and ("OPTIONS", "/graphql/") in seen, seen
    assert ("POST", "/api/auth/login/") not in seen and ("POST", "/graphql/") not in seen, seen
    assert backend.titles_of("cors-victim") == []
    # The browser got no session for the backend either.
    assert "sessionid" not in {cookie["name"] for cookie in page.context.cookies(backend.url)}
