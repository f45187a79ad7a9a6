"""GraphiQL in Chromium: log in as README says (a plain user, at /api-auth/login/?next=/graphql/),
then type and run operations.

The page is Strawberry's GraphiQL with every file served by the backend
(graphql_api/static); every request outside the backend is blocked
(``backend_only``) and must not happen.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from .conftest import ARTIFACTS_KEY

USERNAME = "graphiql-reader"
QUERY = "query Mine { me { username } examples { totalCount results { title } } }"
MUTATION = (
    'mutation Write { createExample(data: {title: "Typed in GraphiQL"}) { ... on Example { id title } } }'
)


def log_in_as_user(page: Page, backend, username: str, next_path: str) -> None:
    """Register a user who is not staff and log in through the browsable API's login page.

    This is the path README gives the demo user; ``/admin/`` would refuse
    them, so a staff account here would prove nothing about it.
    """
    password = "Quiet-Harbour-2049"  # unrelated to the name: the validators refuse similar ones
    backend.register(username, password)
    page.goto(f"{backend.url}/api-auth/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#submit-id-submit")


def type_operation(page: Page, text: str) -> None:
    """Replace the query editor's text by typing it, key by key.

    GraphiQL finishes starting up after the editor appears (it loads the
    schema, restores its tabs and may rewrite the editor): keys typed during
    that land in a text that is being replaced. So wait for the page's own
    requests to settle first, and type again (from an empty editor) if the
    text still came out different; a third mismatch fails the test.
    """
    page.wait_for_load_state("networkidle")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    for _attempt in range(3):
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        # CodeMirror closes brackets and quotes as they are typed, and typing the
        # closing one steps over it, so a one-line operation comes out as typed.
        page.keyboard.type(text)
        page.keyboard.press("Escape")  # close any autocomplete popup
        if editor_text(page, ".graphiql-query-editor") == text:
            break
    assert editor_text(page, ".graphiql-query-editor") == text
    # GraphiQL takes an edit in after a short debounce: only then does it know
    # the new operation's name (running earlier sends the previous one). The
    # same handler writes the text into the page's ?q=, so wait for that.
    page.wait_for_function("text => new URLSearchParams(location.search).get('q') === text", arg=text)


def editor_text(page: Page, selector: str) -> str:
    return page.eval_on_selector(f"{selector} .CodeMirror", "element => element.CodeMirror.getValue()")


def run_and_read_result(page: Page) -> dict:
    """Press GraphiQL's run button and wait for the response panel to show a new result."""
    before = editor_text(page, ".graphiql-response")
    page.click(".graphiql-execute-button")
    page.wait_for_function(
        """previous => {
            const value = document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue();
            return value.trim().startsWith('{') && value !== previous;
        }""",
        arg=before,
    )
    return json.loads(editor_text(page, ".graphiql-response"))


def test_graphiql_runs_a_typed_query_and_mutation(
    page: Page, backend, backend_only, artifacts_dir, pytestconfig
):
    log_in_as_user(page, backend, USERNAME, "/graphql/")
    expect(page).to_have_url(f"{backend.url}/graphql/")
    expect(page).to_have_title("Strawberry GraphiQL")
    # React and GraphiQL came from the backend's static files and rendered the editors.
    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
    # The page's fetcher already ran introspection with the session cookie: the docs know the schema.
    expect(page.locator(".graphiql-execute-button")).to_be_enabled()

    type_operation(page, QUERY)
    assert run_and_read_result(page) == {
        "data": {"me": {"username": USERNAME}, "examples": {"totalCount": 0, "results": []}}
    }

    # A mutation is a session-authenticated POST: it passes only because
    # GraphiQL sends the csrftoken cookie's value as X-CSRFToken.
    type_operation(page, MUTATION)
    result = run_and_read_result(page)
    created = result["data"]["createExample"]
    assert created["title"] == "Typed in GraphiQL"
    assert re.fullmatch(r"\d+", created["id"])
    assert backend.titles_of(USERNAME) == ["Typed in GraphiQL"]

    type_operation(page, QUERY)
    assert run_and_read_result(page)["data"]["examples"] == {
        "totalCount": 1,
        "results": [{"title": "Typed in GraphiQL"}],
    }

    # Prettify (Shift-Ctrl-P) so the screenshot shows the whole operation.
    page.locator(".graphiql-query-editor .CodeMirror").click()
    page.keyboard.press("Shift+Control+P")
    page.wait_for_function(
        "() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.lineCount() > 1"
    )
    assert backend_only.urls == []
    screenshot = artifacts_dir / "graphiql.png"
    page.screenshot(path=str(screenshot))
    pytestconfig.stash[ARTIFACTS_KEY].append(f"GraphiQL screenshot: {screenshot}")
