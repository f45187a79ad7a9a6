"""No third-party scripts: Swagger UI and GraphiQL from the backend's own files, under a CSP.

The browser test (tests/e2e/test_self_hosted_pages.py) renders both pages
with every request outside the backend blocked; these tests pin what the
server sends.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from backend.middleware import BROWSABLE_API_POLICY, DATA_POLICY, PAGE_POLICY

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
MANIFEST = ROOT / "graphql_api" / "static" / "graphql_api" / "graphiql" / "versions.json"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, dict]] = []
        self.inline_scripts: list[str] = []
        self.inline_styles = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            if values.get("src"):
                self.urls.append((tag, values["src"], values))
            else:
                # A data block (type="application/json") is not run; code is.
                self._in_script = values.get("type") in (None, "", "text/javascript", "module")
        elif tag == "link" and values.get("href"):
            self.urls.append((tag, values["href"], values))
        elif tag == "style":
            self.inline_styles += 1
        if "style" in values and tag not in ("script", "link"):
            self.inline_styles += 1

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def page_assets(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


def fetch_static(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def policy_directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.fixture
def graphiql(client):
    return client.get("/graphql/", HTTP_ACCEPT="text/html")


@pytest.fixture
def swagger(client):
    return client.get("/api/docs/")


@pytest.mark.parametrize("page", ["graphiql", "swagger"])
def test_pages_load_every_file_from_this_backend(request, client, page):
    response = request.getfixturevalue(page)
    assert response.status_code == 200
    html = response.content.decode()
    assets = page_assets(html)
    assert assets.urls, "the page loads no files?"
    for tag, url, _attrs in assets.urls:
        assert url.startswith(
            settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
        ) or url.startswith("/api/docs/"), (tag, url)
        if url.startswith("/static/"):
            fetch_static(client, url)
    assert not re.search(r"https?://", " ".join(url for _t, url, _a in assets.urls))
    assert "unpkg.com" not in html and "jsdelivr" not in html and "cdn" not in html.lower()
    # Nothing inline that the policy would have to allow.
    assert assets.inline_scripts == []
    assert assets.inline_styles == 0


@pytest.mark.parametrize("page", ["graphiql", "swagger"])
def test_pages_have_a_policy_with_scripts_from_self_only(request, page):
    response = request.getfixturevalue(page)
    policy = response["Content-Security-Policy"]
    assert policy == PAGE_POLICY
    directives = policy_directives(policy)
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy


def test_graphiql_page_loads_the_vendored_files_as_recorded(client, graphiql):
    entries = {entry["file"]: entry for entry in json.loads(MANIFEST.read_text())}
    loaded = [url for _tag, url, _attrs in page_assets(graphiql.content.decode()).urls if "/graphiql/" in url]
    assert {url.rsplit("/", 1)[-1] for url in loaded} == {
        name for name in entries if not name.endswith(".map")
    }
    for url in loaded:
        assert sri(fetch_static(client, url)) == entries[url.rsplit("/", 1)[-1]]["integrity"], url


def test_vendored_graphiql_files_match_their_manifest():
    """The committed files are what `make graphiql-assets` recorded (pinned versions, no edits)."""
    entries = json.loads(MANIFEST.read_text())
    assert {entry["package"] for entry in entries} == {
        "react",
        "react-dom",
        "js-cookie",
        "graphiql",
        "@graphiql/plugin-explorer",
    }
    for entry in entries:
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), entry
        path = finders.find(f"graphql_api/graphiql/{entry['file']}")
        assert path, entry["file"]
        message = f"{entry['file']}: run `make graphiql-assets`"
        assert sri(Path(path).read_bytes()) == entry["integrity"], message


def test_swagger_ui_comes_from_the_pinned_sidecar(client, swagger):
    import drf_spectacular_sidecar

    urls = [url for _tag, url, _attrs in page_assets(swagger.content.decode()).urls]
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in urls
    pinned = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^drf-spectacular-sidecar==\d", pinned, re.M)
    assert drf_spectacular_sidecar.__file__


def test_swagger_start_up_script_is_a_file_on_this_origin(client, swagger):
    script_urls = [url for _tag, url, _attrs in page_assets(swagger.content.decode()).urls if "script" in url]
    assert script_urls == ["/api/docs/?script="]
    script = client.get(script_urls[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert b'"validatorUrl": null' in script.content  # no badge image from validator.swagger.io


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("get", "/api/v1/examples/", {}),
        ("get", "/api/auth/csrf/", {}),
        ("post", "/api/auth/login/", {"data": {}, "content_type": "application/json"}),
        ("get", "/api/schema/", {}),
        ("get", "/api/nothing/", {}),
        ("post", "/graphql/", {"data": {"query": "{ me { id } }"}, "content_type": "application/json"}),
        ("get", "/graphql/?query=%7B%20me%20%7B%20id%20%7D%20%7D", {}),
        ("post", "/graphql", {"data": {}, "content_type": "application/json"}),
        ("get", "/health/", {}),
    ],
)
def test_api_responses_allow_nothing(client, method, url, kwargs):
    response = getattr(client, method)(url, **kwargs)
    assert response["Content-Security-Policy"] == DATA_POLICY == "default-src 'none'; frame-ancestors 'none'"


def test_the_browsable_api_runs_scripts_from_self_only(client, user):
    client.force_login(user)
    response = client.get("/api/v1/examples/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == BROWSABLE_API_POLICY
    directives = policy_directives(BROWSABLE_API_POLICY)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]  # DRF's templates style inline
    assets = page_assets(response.content.decode())
    assert assets.inline_scripts == []  # DRF's only <script> without src is JSON data, not code


def test_the_admin_keeps_djangos_headers(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def test_collectstatic_with_the_production_storage_succeeds(tmp_path):
    """Hashed static files (production) post-process every vendored file's references."""
    from django.core.management import call_command
    from django.test import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", "-v", "0")
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "graphql_api/graphiql/graphiql.min.js" in manifest
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in manifest
