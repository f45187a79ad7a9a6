"""The files Strawberry's GraphiQL page loads from its CDN, taken from npm instead.

Strawberry's template (``strawberry/static/graphiql.html``) loads React,
GraphiQL and its explorer plugin from ``https://unpkg.com/<package>@<version>/<file>``,
each with a Subresource Integrity hash. The CDN is a mirror of the npm
registry, so the same bytes are in the package's npm tarball. This module
reads the template that the installed Strawberry actually renders, fetches
each ``<package>@<version>`` with ``npm pack`` (the npm registry, through npm's
own cache) and checks every file against the page's ``integrity`` hash. The
browser test then answers the page's CDN requests with these bytes; the
browser checks the same hashes again.

Nothing is pinned here: upgrading Strawberry moves these versions with it,
and a file that does not match its hash fails loudly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import strawberry

TEMPLATE = Path(strawberry.__file__).resolve().parent / "static" / "graphiql.html"
# https://unpkg.com/<name or @scope/name>@<version>/<path in the package>
CDN_URL = re.compile(r"^https://unpkg\.com/(?P<name>(?:@[^/@]+/)?[^/@]+)@(?P<version>[^/]+)/(?P<path>.+)$")


@dataclass(frozen=True)
class Asset:
    url: str
    body: bytes
    content_type: str


class _ExternalAssets(HTMLParser):
    """Collects (url, integrity) for every <script src> and <link href> off the page's origin."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        url = values.get("src") if tag == "script" else values.get("href") if tag == "link" else None
        if url and url.startswith(("http://", "https://")):
            self.found.append((url, values.get("integrity")))


def template_assets(template: Path = TEMPLATE) -> list[tuple[str, str | None]]:
    parser = _ExternalAssets()
    parser.feed(template.read_text(encoding="utf-8"))
    return parser.found


def _sri(body: bytes, algorithm: str) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, body).digest()).decode()


def load_graphiql_assets(folder: Path) -> dict[str, Asset]:
    """Every CDN file of the GraphiQL page, by URL, verified against its integrity hash."""
    found = template_assets()
    if not found:
        raise RuntimeError(
            f"{TEMPLATE} loads nothing from a CDN any more; update tests/e2e/graphiql_assets.py"
        )
    specs: dict[str, tuple[str, str]] = {}
    wanted: list[tuple[str, str, str, str | None]] = []
    for url, integrity in found:
        match = CDN_URL.match(url)
        if match is None:
            raise RuntimeError(
                f"{TEMPLATE} loads {url}, which is not an unpkg URL with a pinned version; "
                "tests/e2e/graphiql_assets.py cannot map it to an npm package."
            )
        name, version, path = match["name"], match["version"], match["path"]
        specs[f"{name}@{version}"] = (name, version)
        wanted.append((url, f"{name}@{version}", path, integrity))

    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch GraphiQL's assets for the browser test (install Node.js).")
    tarballs = folder / "tarballs"
    tarballs.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [npm, "pack", *sorted(specs), "--json", "--ignore-scripts", "--pack-destination", str(tarballs)],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"npm pack {' '.join(sorted(specs))} failed:\n{result.stderr[-3000:]}")
    packed = {
        f"{entry['name']}@{entry['version']}": tarballs / entry["filename"]
        for entry in json.loads(result.stdout)
    }

    assets: dict[str, Asset] = {}
    for url, spec, path, integrity in wanted:
        with tarfile.open(packed[spec]) as archive:
            member = archive.extractfile(f"package/{path}")
            if member is None:
                raise RuntimeError(f"{spec} has no file {path} (wanted for {url})")
            body = member.read()
        if integrity:
            algorithm = integrity.split("-", 1)[0]
            actual = _sri(body, algorithm)
            if actual != integrity:
                raise RuntimeError(
                    f"{url}: npm's {spec}/{path} hashes to {actual}, but the GraphiQL page expects {integrity}."
                )
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if content_type == "text/javascript":
            content_type = "application/javascript"
        assets[url] = Asset(url, body, f"{content_type}; charset=utf-8")
    return assets
