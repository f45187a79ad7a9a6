"""Parts of the contract a branch has not built yet, which parity waits for.

The reference (reference/schema.py) answers the whole read contract; the Strawberry schema and REST gain the same fields on branches merged
separately. While a part is named in ``PENDING``, the parity tests compare
that surface only on what it serves today (and the reference against the
contract's SDL and the policy's expected answers), and
``test_pending_parts_are_still_missing`` proves the part really is missing.
Once it lands, that test fails, naming the entry to delete here; with the
entry gone, the parity tests compare the surface in full, and fail (never
skip) if it does not answer.
"""

from __future__ import annotations

KNOWN = {
    "strawberry": "the Strawberry schema's PublicUser, Example.project, Project, Query.project and Query.projects",
    "rest-projects": "REST /api/v1/projects/, /api/v1/projects/{id}/ and /api/v1/projects/{id}/members/",
    "rest-example-fields": "REST's example `owner` (a public_user) and `project` (an id or null)",
}

# Empty when every part of the contract is served.
PENDING: frozenset[str] = frozenset()


def pending(part: str) -> bool:
    assert part in KNOWN, f"unknown part {part!r}: one of {sorted(KNOWN)}"
    return part in PENDING


def arrived(part: str) -> bool:
    return not pending(part)
