"""The trusted documents of releases: the previous release's manifest from git, and recording a release.

A rolling deploy runs nodes of two releases behind one balancer while the
previous frontend is still live, so this release's nodes must serve every
document the previous frontend sends: the generated manifest plus the retained
documents (``graphql_api.persisted``). ``record_release`` adds the current
manifest to the retained documents (``make release-documents``, at each
release); ``previous_release`` finds what the previous release served, for the
test that proves nothing it sent was lost.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .persisted import read_retained

# Release tags: v1, v1.2, v2026.12.07 ... The newest one reachable from HEAD
# (other than HEAD itself) is the previous release.
RELEASE_TAG_PATTERN = "v[0-9]*"


class HistoryUnavailable(Exception):
    """git, the repository or its full history (a shallow clone) is not here."""


@dataclass(frozen=True)
class PreviousRelease:
    label: str  # the tag, or the commit whose manifest it is
    entries: dict[str, str]  # its manifest, sha256 -> document


def _git(root: Path, *args: str) -> str:
    try:
        # git from PATH, with arguments this module builds (tags, commits, the manifest's path).
        result = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise HistoryUnavailable(f"git is not available: {error}") from None
    if result.returncode != 0:
        raise HistoryUnavailable(f"`git {' '.join(args)}` failed: {result.stderr.strip()}")
    return result.stdout


def _manifest_at(root: Path, commit: str, relative: str) -> dict[str, str] | None:
    try:
        return json.loads(_git(root, "show", f"{commit}:{relative}"))
    except HistoryUnavailable:
        return None  # the file did not exist in that commit


def previous_release(root: Path, manifest: Path) -> PreviousRelease | None:
    """The previous release's manifest, or None when the manifest has no earlier version.

    The previous release is the newest release tag reachable from HEAD that is
    not HEAD itself; without such a tag, it is the newest committed version of
    the manifest that differs from the one here (for a manifest unchanged since
    its last commit: the version before that commit's change).
    """
    if _git(root, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise HistoryUnavailable("this is a shallow clone (fetch the full history: git fetch --unshallow)")
    relative = manifest.resolve().relative_to(
        Path(_git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    )
    head = _git(root, "rev-parse", "HEAD").strip()
    for tag in _git(
        root, "tag", "--merged", "HEAD", "--sort=-creatordate", "--list", RELEASE_TAG_PATTERN
    ).split():
        if _git(root, "rev-list", "-n", "1", tag).strip() != head:
            entries = _manifest_at(root, tag, relative.as_posix())
            return PreviousRelease(label=tag, entries=entries) if entries is not None else None
    current = json.loads(manifest.read_text(encoding="utf-8"))
    for commit in _git(root, "log", "--format=%H", "HEAD", "--", relative.as_posix()).split():
        entries = _manifest_at(root, commit, relative.as_posix())
        if entries is not None and entries != current:
            return PreviousRelease(label=commit[:12], entries=entries)
    return None


def record_release(manifest: Path, retained: Path, extra: dict[str, str] | None = None) -> list[str]:
    """Add the manifest's documents (and ``extra``, e.g. a previous release's) to the retained ones.

    Returns the hashes added. A withdrawn document is not added back from
    ``extra``; one the current manifest holds again is served again.
    """
    current: dict[str, str] = json.loads(manifest.read_text(encoding="utf-8"))
    stored = read_retained(retained) if retained.exists() else None
    documents = dict(stored.documents) if stored else {}
    withdrawn = {k: v for k, v in (stored.withdrawn if stored else {}).items() if k not in current}
    added = [
        sha256 for sha256 in [*current, *(extra or {})] if sha256 not in documents and sha256 not in withdrawn
    ]
    for sha256 in added:
        documents[sha256] = current.get(sha256) or (extra or {})[sha256]
    data: dict[str, Any] = {
        "documents": dict(sorted(documents.items())),
        "withdrawn": dict(sorted(withdrawn.items())),
    }
    retained.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return sorted(set(added))
