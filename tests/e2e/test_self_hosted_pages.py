"""Swagger UI and GraphiQL with every request outside the backend blocked, and no CSP violation.

Both pages must render and work from the backend's own files: any request to
another origin is aborted (``backend_only``) and fails the test, and so does
any Content-Security-Policy violation the browser reports (a
``securitypolicyviolation`` event, or a console message about the policy).
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from .conftest import ADMIN_PASSWORD, ADMIN_USERNAME
from .test_graphiql import log_in_as_user, run_and_read_result, type_operation

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def csp_watch(page: Page, browser_log):
    """Collects the policy violations of every document the page opens."""
    messages: list[str] = []
    page.add_init_script(CSP_WATCH)
    page.on(
        "console",
        lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None,
    )

    def violations() -> list[str]:
        return messages + page.evaluate("window.__cspViolations || []")

    return violations


def test_graphiql_runs_a_query_with_only_the_backend_reachable(page: Page, backend, backend_only, csp_watch):
    log_in_as_user(page, backend, "self-hosted-reader", "/graphql/")
    expect(page).to_have_url(f"{backend.url}/graphql/")
    response = page.request.get(f"{backend.url}/graphql/", headers={"Accept": "text/html"})
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
    expect(page.locator(".graphiql-execute-button")).to_be_enabled()
    type_operation(page, "query Who { me { username } }")
    assert run_and_read_result(page) == {"data": {"me": {"username": "self-hosted-reader"}}}
    # The explorer plugin (a vendored file too) opens.
    page.click("button[aria-label='Show GraphiQL Explorer']")
    expect(page.locator(".graphiql-explorer-root")).to_be_visible()
    assert backend_only.urls == []
    assert csp_watch() == []


def test_swagger_ui_opens_an_operation_with_only_the_backend_reachable(
    page: Page, backend, backend_only, csp_watch
):
    log_in_as_user(page, backend, "swagger-reader", "/api/docs/")
    expect(page).to_have_url(f"{backend.url}/api/docs/")
    response = page.request.get(f"{backend.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # The document loaded from /api/schema/ and rendered its operations.
    operation = page.locator("#operations-auth-auth_user_retrieve")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    page.click("#operations-auth-auth_user_retrieve .try-out__btn")
    with page.expect_response(lambda r: r.url == f"{backend.url}/api/auth/user/") as answer:
        page.click("#operations-auth-auth_user_retrieve .execute")
    assert answer.value.status == 200
    body = page.locator(
        "#operations-auth-auth_user_retrieve .responses-wrapper .live-responses-table .microlight"
    )
    expect(body.first).to_contain_text('"username": "swagger-reader"')
    assert json.loads(answer.value.text())["username"] == "swagger-reader"
    assert backend_only.urls == []
    assert csp_watch() == []


def test_browsable_api_login_through_its_json_form(page: Page, backend, backend_only, csp_watch):
    """JSON bodies only: the browsable API stays usable through its raw-data form, under its CSP."""
    page.goto(f"{backend.url}/api/auth/login/")
    form = page.locator("#post-generic-content-form")
    expect(form.locator("select[name=_content_type]")).to_have_value("application/json")
    form.locator("textarea[name=_content]").fill(
        json.dumps({"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD})
    )
    with page.expect_response(
        lambda r: r.url == f"{backend.url}/api/auth/login/" and r.request.method == "POST"
    ) as answer:
        form.locator("button", has_text="POST").click()
    assert answer.value.status == 200
    assert answer.value.request.headers["content-type"].startswith("application/json")
    assert any(cookie["name"] == "sessionid" for cookie in page.context.cookies())
    assert backend_only.urls == []
    # Scripts are the browsable API's files; only its inline styles are allowed.
    assert [v for v in csp_watch() if "script" in v.lower()] == []


def test_browsable_api_log_in_link_form_and_log_out(page: Page, backend, backend_only, csp_watch):
    """An anonymous visitor's 401 page links to the log-in form; log-out works under the page's CSP."""
    page.goto(f"{backend.url}/api/v1/examples/")
    page.click("text=Log in")
    expect(page).to_have_url(f"{backend.url}/api-auth/login/?next=/api/v1/examples/")
    page.fill("input[name=username]", ADMIN_USERNAME)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    expect(page).to_have_url(f"{backend.url}/api/v1/examples/")
    expect(page.locator("#logout")).to_be_visible()
    assert any(cookie["name"] == "sessionid" for cookie in page.context.cookies())
    # DRF's own log-out link submits from an inline onclick, which the CSP blocks; ours is a form.
    page.click("#logout")
    expect(page).to_have_url(f"{backend.url}/api/v1/examples/")
    expect(page.locator("text=Log in")).to_be_visible()
    assert backend_only.urls == []
    assert [v for v in csp_watch() if "script" in v.lower()] == []
