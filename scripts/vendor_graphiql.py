#!/usr/bin/env python3
"""Refresh GraphiQL's vendored files from their npm packages (`make graphiql-assets`).

The GraphiQL page at /graphql/ loads nothing from a CDN: React, GraphiQL, its
explorer plugin and js-cookie are committed under
graphql_api/static/graphql_api/graphiql/, at the versions pinned in ``FILES``
below, and served by the backend like any static file (so `make run` needs no
Node.js). This script fetches each package with ``npm pack`` (the npm
registry, through npm's cache), copies the listed files, and writes
``versions.json``: package, version, source path and the file's SHA-384
(Subresource Integrity form). The page's <script>/<link> tags carry those
hashes, and tests/graphql/test_graphiql_page.py checks that every committed
file still matches its recorded hash.

To upgrade: change a version here, run `make graphiql-assets`, run `make e2e`
(the browser test uses GraphiQL for real), and commit the files.

    scripts/vendor_graphiql.py           # fetch and write the files
    scripts/vendor_graphiql.py --check   # only verify the committed files (no npm)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "graphql_api" / "static" / "graphql_api" / "graphiql"
MANIFEST = TARGET / "versions.json"

# (package, version, path inside the package, name under TARGET). The
# versions are those Strawberry's own GraphiQL page pins (and has SRI hashes for).
FILES = [
    ("react", "18.2.0", "umd/react.production.min.js", "react.production.min.js"),
    ("react-dom", "18.2.0", "umd/react-dom.production.min.js", "react-dom.production.min.js"),
    ("js-cookie", "3.0.5", "dist/js.cookie.min.js", "js.cookie.min.js"),
    ("graphiql", "3.8.3", "graphiql.min.js", "graphiql.min.js"),
    ("graphiql", "3.8.3", "graphiql.min.css", "graphiql.min.css"),
    # The two files above name their source maps; collectstatic's manifest
    # storage (production) fails on a reference to a file that is missing.
    ("graphiql", "3.8.3", "graphiql.min.js.map", "graphiql.min.js.map"),
    ("graphiql", "3.8.3", "graphiql.min.css.map", "graphiql.min.css.map"),
    ("@graphiql/plugin-explorer", "1.0.2", "dist/index.umd.js", "plugin-explorer.umd.js"),
    ("@graphiql/plugin-explorer", "1.0.2", "dist/style.css", "plugin-explorer.css"),
]


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def fetch() -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to refresh GraphiQL's files (install Node.js); serving them needs none.")
    specs = sorted({f"{package}@{version}" for package, version, _path, _name in FILES})
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(  # noqa: S603 (npm, with pinned package names from FILES)
            [npm, "pack", *specs, "--json", "--ignore-scripts", "--pack-destination", folder],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            sys.exit(f"npm pack {' '.join(specs)} failed:\n{result.stderr[-3000:]}")
        tarballs = {
            f"{e['name']}@{e['version']}": Path(folder) / e["filename"] for e in json.loads(result.stdout)
        }
        TARGET.mkdir(parents=True, exist_ok=True)
        entries = []
        for package, version, path, name in FILES:
            with tarfile.open(tarballs[f"{package}@{version}"]) as archive:
                member = archive.extractfile(f"package/{path}")
                if member is None:
                    sys.exit(f"{package}@{version} has no file {path}")
                body = member.read()
            (TARGET / name).write_bytes(body)
            entries.append(
                {"file": name, "package": package, "version": version, "source": path, "integrity": sri(body)}
            )
    MANIFEST.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(entries)} files and {MANIFEST.relative_to(ROOT)}")


def check() -> int:
    entries = json.loads(MANIFEST.read_text(encoding="utf-8"))
    bad = [e["file"] for e in entries if sri((TARGET / e["file"]).read_bytes()) != e["integrity"]]
    if bad:
        print(
            f"files differ from {MANIFEST.name}: {', '.join(bad)}; run `make graphiql-assets`",
            file=sys.stderr,
        )
        return 1
    print(f"{len(entries)} GraphiQL files match {MANIFEST.name}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="verify the committed files only")
    sys.exit(check() if parser.parse_args().check else fetch())
