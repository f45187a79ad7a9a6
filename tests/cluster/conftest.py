"""One `make cluster` (`scripts/cluster.sh up`) shared by every drill of this package, and its helpers.

The cluster is started once per `pytest tests/cluster` run (package scope), in
a state folder of the run, with a mail server of the test's own (``MailServer``)
and a task reaper set short, and stopped at the end. Every node is reached
through ``Cluster.node_url`` (and its WebSocket through ``Cluster.ws_url``),
never by an address built here: the script decides where each host lives.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster.sh"
STRONG = "a-Strong-passphrase-42"
# Short, so the drill of a worker killed mid-send sees its task reaped within seconds.
TASK_RUNNING_TIMEOUT_SECONDS = 6
TASK_REAP_INTERVAL_SECONDS = 1


def _missing() -> str | None:
    """What this machine lacks to run the cluster, in one line (None: nothing)."""
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        return ".venv/bin/gunicorn (make install)"
    installable = shutil.which("apt-get") and (os.geteuid() == 0 or shutil.which("sudo"))
    for binary in ("pg_ctl", "redis-server", "pgbouncer"):
        found = shutil.which(binary) or any(Path("/usr/lib/postgresql").glob(f"*/bin/{binary}"))
        if not found and not installable:
            return f"{binary} (and no apt-get to install it)"
    if not Path("/usr/sbin/nginx").exists() and not installable:
        return "nginx (and no apt-get to install it)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    status: int
    body: object  # the parsed JSON, else the raw bytes
    headers: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def json_type(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/json")


def call(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None) -> Reply:
    """One HTTP request; any status is a Reply (a connection error raises OSError)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        reply = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        reply = error
    with reply:
        raw = reply.read()
        cookies = {}
        for line in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        headers = {key.lower(): value for key, value in reply.headers.items()}
        try:
            parsed = json.loads(raw or b"null")
        except ValueError:
            parsed = raw
        return Reply(reply.status, parsed, headers, cookies)


def register(base_url: str) -> dict:
    """A new account: its email and its token header."""
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    reply = call(base_url + "/api/auth/register/", "POST", {"email": email, "password": STRONG})
    assert reply.status == 201, reply
    return {
        "email": email,
        "id": reply.body["user"]["id"],
        "auth": {"Authorization": f"Token {reply.body['token']}"},
    }


def wait_until(condition: Callable[[], object], *, seconds: float = 30.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds; fail after ``seconds`` (a guard, not a measurement)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not hold in {seconds} s"
        time.sleep(0.1)


class Cluster:
    def __init__(self, folder: Path, port: int, process: subprocess.Popen) -> None:
        self.folder = folder
        self.url = f"http://127.0.0.1:{port}"
        self.process = process

    def node_url(self, node: int) -> str:
        return f"http://127.0.0.1:{(self.folder / f'node{node}.port').read_text().strip()}"

    def ws_url(self, node: int) -> str:
        """The GraphQL WebSocket of node ``node``, on the address ``node_url`` gives."""
        return "ws" + self.node_url(node).removeprefix("http") + "/graphql/"

    def drill(self, *args: str) -> None:
        subprocess.run([str(SCRIPT), *args], cwd=ROOT, env=self.script_env(), check=True, timeout=120)

    def script_env(self) -> dict[str, str]:
        return {**os.environ, "CLUSTER_DIR": str(self.folder)}

    def app_env(self, *, direct: bool = False) -> dict[str, str]:
        """The nodes' environment from ``app.env``; ``direct``: each name's first value there.

        app.env lists PostgreSQL's own DB_* exports first and the pooler's after
        them, so the first values are the primary's direct address (what the
        release step uses) and the last ones what the nodes use.
        """
        values: dict[str, str] = {}
        for line in (self.folder / "app.env").read_text().splitlines():
            words = shlex.split(line)
            if not words or words[0] != "export":
                continue
            for word in words[1:]:
                name, _, value = word.partition("=")
                if direct and name in values:
                    continue
                values[name] = value
        return values

    def replica_replay(self, action: str) -> None:
        """Pause or resume WAL replay on the cluster's replica (``pause`` / ``resume``)."""
        subprocess.run(
            [str(ROOT / "scripts" / "postgres.sh"), f"replica-{action}"],
            cwd=ROOT,
            env={**os.environ, "PG_STATE": str(self.folder / "postgres.env")},
            check=True,
            timeout=60,
        )


@dataclass
class Delivery:
    recipients: list[str]
    message: Message


class MailServer:
    """A minimal SMTP server on a free loopback port, in threads of the test.

    Written here because the standard library has no server any more (smtpd
    left in Python 3.12) and aiosmtpd is not a dependency; the drill needs
    one thing no ready server offers: take a delivery's DATA, then hold the
    final reply until the test has killed the sender (``hold``).
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.deliveries: list[Delivery] = []
        self._hold_for: str | None = None
        self.held = threading.Event()  # a held delivery's DATA has arrived
        self._release = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def hold(self, recipient: str) -> None:
        """The next delivery to ``recipient`` gets its DATA read and then no reply until ``release``."""
        self._hold_for = recipient
        self.held.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def delivered_to(self, recipient: str) -> list[Message]:
        with self._lock:
            return [d.message for d in self.deliveries if recipient in d.recipients]

    def close(self) -> None:
        self._release.set()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as lines:
            connection.sendall(b"220 drills ESMTP\r\n")
            recipients: list[str] = []
            for line in lines:
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    connection.sendall(b"250 drills\r\n")
                elif verb == b"MAIL":
                    recipients = []
                    connection.sendall(b"250 OK\r\n")
                elif verb == b"RCPT":
                    recipients.append(line.split(b"<", 1)[1].split(b">", 1)[0].decode())
                    connection.sendall(b"250 OK\r\n")
                elif verb == b"DATA":
                    connection.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    data = self._read_data(lines)
                    if self._hold_for in recipients:
                        self._hold_for = None
                        self.held.set()
                        self._release.wait(120)
                        return  # never acknowledged: the sender died waiting for this reply
                    message = BytesParser(policy=default_policy).parsebytes(data)
                    with self._lock:
                        self.deliveries.append(Delivery(recipients, message))
                    connection.sendall(b"250 OK queued\r\n")
                elif verb == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    return
                elif verb in (b"RSET", b"NOOP"):
                    connection.sendall(b"250 OK\r\n")
                else:
                    connection.sendall(b"502 not implemented\r\n")

    @staticmethod
    def _read_data(lines) -> bytes:
        body = []
        for line in lines:
            if line in (b".\r\n", b".\n"):
                break
            body.append(line[1:] if line.startswith(b"..") else line)  # dot-stuffing undone
        return b"".join(body)


@pytest.fixture(scope="package")
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="package")
def cluster(tmp_path_factory, mail_server) -> Iterator[Cluster]:
    missing = _missing()
    if missing:
        pytest.skip(f"make cluster needs {missing}")
    folder = tmp_path_factory.mktemp("cluster")
    port = _free_port()
    log = (folder / "up.log").open("w")
    env = {
        **os.environ,
        "CLUSTER_DIR": str(folder),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "CLUSTER_NODES": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail_server.port),
        "TASK_RUNNING_TIMEOUT_SECONDS": str(TASK_RUNNING_TIMEOUT_SECONDS),
        "TASK_REAP_INTERVAL_SECONDS": str(TASK_REAP_INTERVAL_SECONDS),
    }
    process = subprocess.Popen([str(SCRIPT), "up"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = Cluster(folder, port, process)
    try:
        deadline = time.monotonic() + 300
        while "Cluster serving" not in (folder / "up.log").read_text():
            assert process.poll() is None, (folder / "up.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (folder / "up.log").read_text()[-3000:]
            time.sleep(0.5)
        yield started
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
