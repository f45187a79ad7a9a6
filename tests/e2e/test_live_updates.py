"""Live updates in the browser: two pages on http://localhost:3000, one edits, the other updates.

Both pages log in with the session cookie; the watcher subscribes with the
graphql-ws npm client (tests/e2e/site/live.js), so the handshake carries the
cookie and the frontend's Origin, which the backend allows. The editor is a
second user, an editor of the watcher's project, editing over GraphQL with a
trusted document. The watcher's page shows the new title without a reload.
"""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

PASSWORD = "correct-Horse-battery-9"


def open_live(page: Page, origin: str, backend, username: str) -> None:
    page.goto(f"{origin}/live.html?api={backend.url}")
    expect(page.locator("#status")).to_have_attribute("data-ready", "yes")
    page.evaluate("([u, p]) => window.live.login(u, p)", [username, PASSWORD])


def test_one_page_edits_and_the_other_updates(page: Page, browser, backend, frontend_origin):
    owner_token = backend.register("live-owner", PASSWORD)
    editor_token = backend.register("live-editor", PASSWORD)
    owner = {"Authorization": f"Token {owner_token}"}
    status, project = backend.post_json("/api/v1/projects/", {"name": "Live team"}, owner)
    assert status == 201, project
    # Adding a member is an invitation: the editor joins by accepting it.
    status, invitation = backend.post_json(
        f"/api/v1/projects/{project['id']}/members/", {"username": "live-editor", "role": "editor"}, owner
    )
    assert status == 202, invitation
    status, accepted = backend.post_json(
        f"/api/v1/invitations/{invitation['id']}/accept/", {}, {"Authorization": f"Token {editor_token}"}
    )
    assert status == 200, accepted
    status, example = backend.post_json(
        "/api/v1/examples/", {"title": "Before", "project": project["id"]}, owner
    )
    assert status == 201, example
    example_id = str(example["id"])

    open_live(page, frontend_origin, backend, "live-owner")
    page.evaluate("() => window.live.watch()")
    expect(page.locator("#status")).to_have_text("watching")

    editor_context = browser.new_context()
    try:
        editor = editor_context.new_page()
        open_live(editor, frontend_origin, backend, "live-editor")
        shown = page.locator(f'#events li[data-id="{example_id}"]')
        # The subscription has no acknowledgement: edit until the first event shows.
        for attempt in range(20):
            title = f"Edited live {attempt}"
            assert editor.evaluate("([id, t]) => window.live.rename(id, t)", [example_id, title]) == title
            try:
                expect(shown).to_have_text(title, timeout=1000)
                break
            except (AssertionError, PlaywrightError):
                continue
        else:
            raise AssertionError(
                f"the watching page never showed an edit; status: {page.locator('#status').text_content()}"
            )
        # Now subscribed: the next edit must arrive, on the same page, without a reload.
        editor.evaluate("([id, t]) => window.live.rename(id, t)", [example_id, "Edited by a collaborator"])
        expect(shown).to_have_text("Edited by a collaborator")
        expect(shown).to_have_attribute("data-kind", "UPDATED")
        expect(page.locator("#status")).to_have_text("watching")
    finally:
        editor_context.close()
