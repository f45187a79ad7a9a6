"""The typed TypeScript client (frontend/client.ts) against the live backend, from Node.

`npm run typecheck` proves the client agrees with the committed contracts;
this proves the contracts agree with the server: the operations in
frontend/operations/ run, and the answers have the generated types' shape.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import ROOT

PASSWORD = "correct-Horse-battery-9"


def test_typed_client_logs_in_and_runs_the_operations(backend):
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    if not tsx.exists():
        pytest.fail("node_modules is missing: run `npm ci` (make e2e does).", pytrace=False)
    backend.register("typed-client", PASSWORD)
    backend.register("typed-friend", PASSWORD)

    result = subprocess.run(
        [str(tsx), "frontend/demo.ts", backend.url, "typed-client", PASSWORD, "typed-friend", PASSWORD],
        cwd=ROOT,
        # Node 20's WebSocket (the live-updates helper) is behind this flag; later Nodes have it on.
        env={**os.environ, "NODE_OPTIONS": "--experimental-websocket"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)

    assert answer["anonymousError"] == "UNAUTHENTICATED"
    assert answer["me"] == "typed-client"
    assert answer["created"] == "Typed client"
    assert answer["updated"] == "Typed client, renamed"
    assert answer["conflict"] == "CONFLICT"  # the stale ifUpdatedAt; the title below is unchanged
    assert answer["validation"] == [{"kind": "VALIDATION", "field": "title", "code": "blank"}]
    assert answer["displayName"] == "Typed Client"
    assert answer["restoredDisplayName"] == ""
    # The same page over both surfaces: same ids, same total.
    assert answer["graphql"] == {"totalCount": 1, "titles": ["Typed client, renamed"]}
    assert answer["rest"]["count"] == 1 and answer["rest"]["ids"] == answer["graphqlIds"]
    # Cursor pages of one row, after the shared flow: each example once, newest first, on both surfaces.
    assert (
        answer["byCursor"]
        == answer["restByCursor"]
        == ["Team note, edited by a friend", "Typed client, renamed"]
    )

    # The shared project: the friend accepts the invitation, edits as an editor, is refused as a viewer, then loses access.
    shared = answer["shared"]
    # Invited, the friend sees no project until they accept the invitation.
    assert shared["invite"] == {"username": "typed-friend", "role": "EDITOR", "status": "pending"}
    assert shared["beforeAccepting"] is None
    assert shared["invitedBy"] == "typed-client"
    assert shared["role"] == "EDITOR"
    assert shared["friendSees"] == [{"name": "Typed team", "role": "EDITOR", "owner": "typed-client"}]
    assert (shared["editedTitle"], shared["editedOwner"], shared["editedProject"]) == (
        "Team note, edited by a friend",
        "typed-client",
        "Typed team",
    )
    assert shared["viewerRefusal"] == "PERMISSION"
    assert shared["members"] == [{"username": "typed-friend", "role": "VIEWER"}]
    assert shared["projectExamples"] == ["Team note, edited by a friend"]
    assert shared["afterRemoval"] is None

    # Live updates through the typed client's subscribe helper (graphql-ws, the token in connection_init).
    live = answer["live"]
    assert live["updated"]["kind"] == "UPDATED" and live["updated"]["id"] is True
    assert live["updated"]["title"].startswith("Typed client, live")
    assert live["deleted"] == {"kind": "DELETED", "id": True, "example": None}

    assert backend.titles_of("typed-client") == ["Typed client, renamed", "Team note, edited by a friend"]
    # Set to "Typed Client" for the run, then put back.
    display_names = backend.query(
        "SELECT p.display_name FROM authentication_profile p JOIN auth_user u ON u.id = p.user_id "
        "WHERE u.username = ?",
        "typed-client",
    )
    assert display_names == [("",)]
