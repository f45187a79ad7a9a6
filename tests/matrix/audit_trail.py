"""The audit trail's no-escape check, run by the resource matrix on every call (tests/matrix/engine.py).

For every route and field of every registered resource, every actor and
every variant, the rows a call changed are set against the audit entries it
added: each changed row of a policy-registered model has exactly one entry
(its resource, id and action: added = create, removed = delete, both =
update), made by the caller, from the call's surface and request id; a call
that changed nothing added nothing; no entry is ever changed or removed; no
entry holds a sensitive field's value or any of the population's secrets.
A write path that escapes the recorder (a raw ``update()``, a new service
writing around the ORM) fails here, for any resource the registry gains.
"""

from __future__ import annotations

import json
from collections import defaultdict

from audit.models import AuditEntry
from audit.recorder import REDACTED, SENSITIVE, registered_models

from .surface import describe

AUDIT_TABLE = AuditEntry._meta.db_table
ACTIONS = {frozenset({"added"}): "create", frozenset({"removed"}): "delete"}


def split_audit(changes: list) -> tuple[list, list[dict]]:
    """(the data changes, the audit entries added); an entry changed or removed fails at once."""
    data = [(t, how, row) for t, how, row in changes if t != AUDIT_TABLE]
    touched = [(how, dict(row)) for t, how, row in changes if t == AUDIT_TABLE]
    assert all(how == "added" for how, _ in touched), f"an audit entry changed or went: {touched}"
    return data, [row for _, row in touched]


def _expected_entries(data: list) -> dict[tuple[str, str], str]:
    labels = {model._meta.db_table: model._meta.label_lower for model in registered_models()}
    hows: dict[tuple[str, str], set[str]] = defaultdict(set)
    for table, how, row in data:
        if table in labels:
            hows[(labels[table], str(dict(row)["id"]))].add(how)
    return {key: ACTIONS.get(frozenset(found), "update") for key, found in hows.items()}


def check_audit(
    data: list,
    entries: list[dict],
    *,
    actor_id: int | None,
    surface: str,
    request_id: str,
    secrets: list[str],
    where: str,
) -> None:
    expected = _expected_entries(data)
    recorded = {(e["resource"], e["object_id"]): e["action"] for e in entries}
    assert len(recorded) == len(entries), f"{where}: two entries for one row: {entries}"
    assert recorded == expected, (
        f"{where}: the audit entries do not match the changed rows.\n"
        f"changed: {expected}\nrecorded: {recorded}\n{describe(data)}"
    )
    for entry in entries:
        who = (entry["actor_id"], entry["surface"], entry["request_id"])
        assert who == (actor_id, surface, request_id), f"{where}: entry {entry} is not the call's {who}"
        changes = entry["changes"] if isinstance(entry["changes"], dict) else json.loads(entry["changes"])
        for name, values in changes.items():
            if SENSITIVE.search(name):
                assert values == [REDACTED, REDACTED], f"{where}: {name} stored: {entry}"
        text = json.dumps(changes, ensure_ascii=False)
        assert not [s for s in secrets if s in text], f"{where}: a secret in the history: {entry}"
