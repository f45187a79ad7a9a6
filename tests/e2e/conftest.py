"""Browser end-to-end tests: headless Chromium against a real backend process.

Run with `make e2e` (never collected by `make test`: pyproject's addopts
ignore this folder unless it is named on the command line).

What a session starts, and stops at the end:

- the backend: `manage.py runserver` (daphne's: HTTP and WebSocket) with development settings on a free
  loopback port, on a fresh, migrated SQLite file. The browser reaches it as
  `http://localhost:<port>`, so its cookies belong to `localhost`, the same
  site as the frontend's origin;
- the frontend fixture page (tests/e2e/site/, plain JavaScript) on
  `http://localhost:3000`, the origin the backend trusts by default, and the
  same page on a free `http://127.0.0.1:<port>`, an origin it does not trust;
- Chromium (Debian's package via scripts/chromium.sh), driven by Playwright.

GraphiQL and Swagger UI load every file from the backend itself (no CDN).
Tests of those pages use the ``backend_only`` fixture: every request whose
origin is not the backend's is aborted and logged, and each such request
fails the test.

A failed test leaves a screenshot and the browser's console log in the
artifacts folder (E2E_ARTIFACTS, else a new temp folder), printed at the end.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import http.server
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(__file__).resolve().parent / "site"
MANIFEST = ROOT / "frontend" / "generated" / "persisted-documents.json"
GRAPHQL_WS_DIST = ROOT / "node_modules" / "graphql-ws" / "dist"
FRONTEND_PORT = 3000
FRONTEND_ORIGIN = f"http://localhost:{FRONTEND_PORT}"
ADMIN_USERNAME = "e2e-admin"
ADMIN_PASSWORD = "e2e-admin-Passw0rd-not-secret"

# Known-good flags for Debian's Chromium on these machines; without the
# background-networking ones it keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # `localhost` always means 127.0.0.1 here, where the servers listen,
    # whatever the machine's resolver says about ::1.
    "--host-resolver-rules=MAP localhost 127.0.0.1",
]

ARTIFACTS_KEY = pytest.StashKey[list[str]]()
FAILED_KEY = pytest.StashKey[bool]()


# --- reporting ---------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The page fixture reads this at teardown to decide whether to save artifacts.
    if report.failed:
        item.stash[FAILED_KEY] = True
    return report


def pytest_configure(config):
    config.stash[ARTIFACTS_KEY] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    saved = config.stash.get(ARTIFACTS_KEY, [])
    if saved:
        terminalreporter.section("e2e artifacts")
        for line in saved:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def artifacts_dir(pytestconfig) -> Path:
    """Screenshots and console logs; kept after the run (never inside the repository)."""
    configured = os.environ.get("E2E_ARTIFACTS")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
    else:
        path = Path(tempfile.mkdtemp(prefix="e2e-artifacts-"))
    pytestconfig.stash[ARTIFACTS_KEY].append(f"artifacts folder: {path}")
    return path


# --- servers -----------------------------------------------------------------


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.05):
    """Poll ``condition`` until it returns a truthy value; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Backend:
    """The Django process under test and its SQLite database."""

    port: int
    db_path: Path
    log: Path
    process: subprocess.Popen
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        # localhost, not 127.0.0.1: the frontend on localhost:3000 is then the
        # same site, so the browser sends the session and CSRF cookies with
        # its cross-origin requests (cookies ignore ports).
        return f"http://localhost:{self.port}"

    def query(self, sql: str, *params) -> list[tuple]:
        """Read the database directly (read-only), as a check independent of the API."""
        with contextlib.closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)) as db:
            return db.execute(sql, params).fetchall()

    def titles_of(self, username: str) -> list[str]:
        rows = self.query(
            "SELECT e.title FROM api_examplemodel e JOIN auth_user u ON u.id = e.user_id "
            "WHERE u.username = ? ORDER BY e.id",
            username,
        )
        return [title for (title,) in rows]

    def log_mark(self) -> int:
        return self.log.stat().st_size

    def requests_since(self, mark: int) -> list[tuple[str, str, int]]:
        """(method, path, status) of the requests the server logged after ``mark``."""
        with self.log.open("rb") as log:
            log.seek(mark)
            text = log.read().decode("utf-8", "replace")
        # runserver is daphne's (HTTP and WebSocket): "... HTTP GET /path 200 [0.01, 127.0.0.1:5555]";
        # Django's own wrote '"GET /path HTTP/1.1" 200', still read.
        daphne = re.findall(r"\bHTTP ([A-Z]+) (\S+) (\d{3}) \[", text)
        django = re.findall(r'"([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3})', text)
        return [(method, path, int(status)) for method, path, status in daphne + django]

    def post_json(self, path: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int, dict]:
        """A plain HTTP client call (no browser), for set-up and cross-checks."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def register(self, username: str, password: str) -> str:
        """Create an account over REST; returns its API token."""
        status, body = self.post_json(
            "/api/auth/register/",
            {"username": username, "email": f"{username}@example.com", "password": password},
        )
        assert status == 201, body
        self.tokens[username] = body["token"]
        return body["token"]


def _backend_env(db_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The development defaults are what the frontend relies on: SQLite,
        # CORS and CSRF trusting http://localhost:3000, GraphiQL on.
        if not key.startswith("DB_")
        and key
        not in {
            "REDIS_URL",
            "CORS_ALLOWED_ORIGINS",
            "CSRF_TRUSTED_ORIGINS",
            "GRAPHIQL_ENABLED",
            "GRAPHQL_INTROSPECTION",
            "GRAPHQL_TRUSTED_DOCUMENTS_ONLY",
            "ALLOWED_HOSTS",
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings.development",
            "SQLITE_PATH": str(db_path),
            "AUTH_THROTTLE_RATE": "1000/min",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture(scope="session")
def backend(tmp_path_factory, pytestconfig) -> Iterator[Backend]:
    with _run_backend(tmp_path_factory, pytestconfig, "backend") as server:
        yield server


@pytest.fixture(scope="session")
def trusted_backend(tmp_path_factory, pytestconfig) -> Iterator[Backend]:
    """A second backend in production's GraphQL mode: GRAPHQL_TRUSTED_DOCUMENTS_ONLY=1."""
    with _run_backend(
        tmp_path_factory, pytestconfig, "trusted-backend", GRAPHQL_TRUSTED_DOCUMENTS_ONLY="1"
    ) as server:
        yield server


@contextlib.contextmanager
def _run_backend(tmp_path_factory, pytestconfig, name: str, **extra_env: str) -> Iterator[Backend]:
    folder = tmp_path_factory.mktemp(name)
    db_path = folder / "e2e.sqlite3"
    log = folder / "server.log"
    pytestconfig.stash[ARTIFACTS_KEY].append(f"{name} log: {log}")
    env = {**_backend_env(db_path), **extra_env}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "createsuperuser", "--noinput"],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SUPERUSER_USERNAME": ADMIN_USERNAME,
            "DJANGO_SUPERUSER_EMAIL": "e2e-admin@example.com",
            "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        },
        check=True,
        capture_output=True,
    )
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Backend(port, db_path, log, process)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"the backend exited:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready/", timeout=2) as reply:
                    return reply.status == 200
            except OSError:
                return False

        wait_until(ready, timeout=60, what=f"the backend on port {port} (log: {log})")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def translate_path(self, path):
        # The page takes its operations' ids from the committed manifest, as
        # the real frontend's build does from the same file.
        if urlsplit(path).path == "/persisted-documents.json":
            return str(MANIFEST)
        # The graphql-ws npm client's browser build (live.html), from node_modules
        # as a frontend build bundles it: no CDN.
        vendored = urlsplit(path).path.removeprefix("/vendor/graphql-ws/")
        if vendored != urlsplit(path).path and re.fullmatch(r"[\w.-]+\.js", vendored):
            return str(GRAPHQL_WS_DIST / vendored)
        return super().translate_path(path)

    def end_headers(self):
        # The fixture page must never come from the browser's cache.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextlib.contextmanager
def _static_server(host: str, port: int) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"static-{port}", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def frontend_origin() -> Iterator[str]:
    """The fixture page on http://localhost:3000, the origin the backend trusts by default."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(_static_server("127.0.0.1", FRONTEND_PORT))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            busy = True
        else:
            busy = False
        if busy:
            pytest.fail(
                f"Port {FRONTEND_PORT} is in use. The browser tests serve the frontend page on "
                f"{FRONTEND_ORIGIN}, the origin the backend's CORS and CSRF settings trust by default. "
                f"Stop whatever listens there (see: ss -ltnp 'sport = :{FRONTEND_PORT}') and run again.",
                pytrace=False,
            )
        yield FRONTEND_ORIGIN


@pytest.fixture(scope="session")
def foreign_origin() -> Iterator[str]:
    """The same page on an origin the backend does not trust: http://127.0.0.1:<free port>."""
    with _static_server("127.0.0.1", 0) as origin:
        yield origin


# --- browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    result = subprocess.run(
        [str(ROOT / "scripts" / "chromium.sh"), "path"], check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def browser(chromium_path: str, tmp_path_factory) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A fresh profile in a temp folder for each session.
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "TMPDIR": str(tmp_path_factory.mktemp("chromium"))},
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserLog:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(f"{time.strftime('%H:%M:%S')} {line}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(request, browser, browser_log: BrowserLog, artifacts_dir: Path):
    """A fresh browser context (no cookies, no storage) and one page in it."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", lambda message: browser_log.add(f"[console.{message.type}] {message.text}"))
    page.on("pageerror", lambda error: browser_log.add(f"[pageerror] {error}"))
    page.on(
        "requestfailed", lambda req: browser_log.add(f"[requestfailed] {req.method} {req.url}: {req.failure}")
    )
    try:
        yield page
    finally:
        if request.node.stash.get(FAILED_KEY, False):
            name = request.node.name.replace("/", "_")
            screenshot = artifacts_dir / f"{name}.png"
            console = artifacts_dir / f"{name}.console.log"
            try:
                page.screenshot(path=str(screenshot), full_page=True)
            except Exception as error:  # a dead page must not hide the test's own failure
                browser_log.add(f"[artifacts] screenshot failed: {error}")
            console.write_text(browser_log.text())
            message = f"{request.node.nodeid} failed: screenshot {screenshot}, console log {console}"
            request.config.stash[ARTIFACTS_KEY].append(message)
            print(message)
        context.close()


@dataclass
class BlockedRequests:
    urls: list[str] = field(default_factory=list)


@pytest.fixture
def backend_only(page, backend, browser_log: BrowserLog) -> BlockedRequests:
    """Abort every request whose origin is not the backend's; the test reads what was blocked.

    Only for tests that need it: while any route is installed, Playwright
    answers CORS preflights itself (allowing everything), so a test of CORS
    must not use this fixture.
    """
    blocked = BlockedRequests()
    origin = backend.url

    def elsewhere(route) -> None:
        url = route.request.url
        blocked.urls.append(url)
        browser_log.add(f"[blocked] request outside {origin} aborted: {url}")
        route.abort("blockedbyclient")

    page.context.route(
        lambda url: (
            not (url == origin or url.startswith(origin + "/")) and not url.startswith(("data:", "blob:"))
        ),
        elsewhere,
    )
    return blocked
