"""One `make cluster` (`scripts/cluster.sh up`) shared by every drill of this package, and its helpers.

The cluster is started once per `pytest tests/cluster` run (package scope), in
a state folder of the run, with a mail server of the test's own (``MailServer``)
and a task reaper set short, and stopped at the end. Every node is reached
through ``Cluster.node_url`` (and its WebSocket through ``Cluster.ws_url``),
never by an address built here: the script decides where each host lives.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
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

from benchmarks.ports import free_port as _free_port

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


def script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def net_id(folder: Path) -> str:
    """The prefix of the cluster's namespaces and interfaces: c + 6 hex of its folder's path."""
    return "c" + hashlib.sha1(str(folder).encode(), usedforsecurity=False).hexdigest()[:6]


def leftovers(prefix: str) -> list[str]:
    """Namespaces and interfaces of this machine whose names start with the cluster's prefix."""
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in namespaces.splitlines() if line.strip()]
    names += [line.split(": ")[1].split("@")[0] for line in links.splitlines() if ": " in line]
    return [name for name in names if name.startswith(f"{prefix}-")]


def netns_available() -> bool:
    with tempfile.TemporaryDirectory() as folder:
        return script("mode", env={"CLUSTER_NETNS": "1", "CLUSTER_DIR": folder}).returncode == 0


class Cluster:
    def __init__(self, folder: Path, port: int, process: subprocess.Popen, mode: str) -> None:
        self.folder = folder
        self.url = f"http://127.0.0.1:{port}"
        self.process = process
        self.mode = mode
        self.net_id = net_id(folder)
        self.mail: MailServer | None = None

    def _read(self, name: str) -> str:
        return (self.folder / name).read_text().strip()

    def node_url(self, node: int) -> str:
        """The node's own address: its namespace's on the private network, or loopback."""
        return f"http://{self._read(f'node{node}.host')}:{self._read(f'node{node}.port')}"

    def root_host(self) -> str:
        """The address at which the hosts reach this (the root) namespace: bind a service for them here."""
        return self._read("root.host")

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
    """A minimal SMTP server on ``host``:``port``, in threads of the test.

    Written here because the standard library has no server any more (smtpd
    left in Python 3.12) and aiosmtpd is not a dependency; the drill needs
    one thing no ready server offers: take a delivery's DATA, then hold the
    final reply until the test has killed the sender (``hold``).
    """

    def __init__(self, host: str, port: int) -> None:
        self._listener = socket.create_server((host, port))
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


def _modes() -> list[str]:
    """The clusters under test: by default the one `make cluster` picks here (namespaces
    where the machine allows them, else the loopback fallback); CLUSTER_TEST_MODES=both
    runs every drill on each (two clusters: twice the time)."""
    return ["netns", "loopback"] if os.environ.get("CLUSTER_TEST_MODES") == "both" else ["auto"]


@pytest.fixture(scope="package", params=_modes())
def cluster(request, tmp_path_factory) -> Iterator[Cluster]:
    missing = _missing()
    if missing:
        pytest.skip(f"make cluster needs {missing}")
    mode = request.param
    if mode == "auto":
        mode = "netns" if netns_available() else "loopback"
    elif mode == "netns" and not netns_available():
        pytest.skip("network namespaces need root and a working `ip netns` (CLUSTER_NETNS=1 refuses here)")
    folder = tmp_path_factory.mktemp(f"cluster-{mode}")
    port = _free_port()
    mail_port = _free_port()
    log = (folder / "up.log").open("w")
    env = {
        **os.environ,
        "CLUSTER_DIR": str(folder),
        "CLUSTER_NETNS": "1" if mode == "netns" else "0",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "CLUSTER_NODES": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        # The test's mail server, on the address the hosts reach this machine by (root.host).
        "EMAIL_HOST": "root",
        "EMAIL_PORT": str(mail_port),
        "TASK_RUNNING_TIMEOUT_SECONDS": str(TASK_RUNNING_TIMEOUT_SECONDS),
        "TASK_REAP_INTERVAL_SECONDS": str(TASK_REAP_INTERVAL_SECONDS),
    }
    process = subprocess.Popen([str(SCRIPT), "up"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = Cluster(folder, port, process, mode)
    try:
        # Generous: on a busy two-core machine the start takes minutes.
        deadline = time.monotonic() + 480
        while "Cluster serving" not in (folder / "up.log").read_text():
            assert process.poll() is None, (folder / "up.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (folder / "up.log").read_text()[-3000:]
            time.sleep(0.5)
        # Bound once the bridge exists: with namespaces, the hosts' 127.0.0.1 is their own.
        started.mail = MailServer(started.root_host(), mail_port)
        yield started
    finally:
        if started.mail is not None:
            started.mail.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    # Torn down: not one namespace, veth or bridge of this cluster is left.
    if shutil.which("ip"):
        assert leftovers(started.net_id) == []


@pytest.fixture
def mail_server(cluster: Cluster) -> MailServer:
    assert cluster.mail is not None
    return cluster.mail
