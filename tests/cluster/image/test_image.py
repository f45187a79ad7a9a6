"""The container image (`make image`) as node 1 of the cluster, and its task worker.

`make image-test` runs this (not `make cluster-test`): it builds the image
(scripts/image.sh build) in a daemon started for it. The daemon runs
in node 1's network namespace and the containers on its network (``--network
host``), so the container takes node 1's address and port: nginx balances to
it as to the node it replaces, and it reaches the cluster's PostgreSQL,
PgBouncer and Redis as every node does.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import ROOT, Cluster, MailServer, call, register, wait_until

IMAGE = os.environ.get("IMAGE", "backend:latest")
IMAGE_SCRIPT = ROOT / "scripts" / "image.sh"
WORKER = ["python", "manage.py", "task_worker", "--queue-name", "*"]
PROBE = "image-test-probe-1"


def docker(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """The docker CLI against scripts/image.sh's daemon."""
    return subprocess.run(
        [str(IMAGE_SCRIPT), "docker", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def env_file(folder: Path, name: str, values: dict[str, str]) -> str:
    path = folder / name
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return str(path)


def health(container: str) -> str:
    return docker("inspect", "--format", "{{.State.Health.Status}}", container).stdout.strip()


@pytest.fixture(scope="module")
def daemon(cluster: Cluster) -> Iterator[None]:
    assert cluster.mode == "netns", "the image test runs the daemon in node 1's network namespace"
    namespace = f"{cluster.net_id}-node1"
    subprocess.run([str(IMAGE_SCRIPT), "daemon-start", namespace], cwd=ROOT, check=True, timeout=120)
    try:
        # Built in this daemon (its data lives only as long as it does): the cached base and wheels make it minutes.
        build = subprocess.run(
            [str(IMAGE_SCRIPT), "build"], cwd=ROOT, env={**os.environ, "IMAGE_SAVE": "0"}, timeout=1200
        )
        assert build.returncode == 0, "scripts/image.sh build failed (its log: .run/image/build.log)"
        yield
    finally:
        subprocess.run([str(IMAGE_SCRIPT), "daemon-stop"], cwd=ROOT, check=True, timeout=120)


def test_the_image_runs_the_release_step_the_web_server_and_the_worker_of_node_1(
    cluster: Cluster, daemon: None, mail_server: MailServer, tmp_path: Path
) -> None:
    # The release step from the image, against PostgreSQL directly (as scripts/cluster.sh runs it).
    # Not through PgBouncer: migrate refuses to run with DB_POOLER set.
    settings = {key: value for key, value in cluster.app_env(direct=True).items() if key != "DB_POOLER"}
    direct = env_file(tmp_path, "direct.env", settings)
    release = docker("run", "--rm", "--network", "host", "--env-file", direct, IMAGE, "scripts/release.sh")
    assert release.returncode == 0, release.stdout + release.stderr
    assert "No migrations to apply." in release.stdout, release.stdout

    # Node 1's gunicorn and both task workers of the host stop; the image's take over.
    cluster.drill("stop", "1")
    for node in ("1", "2"):
        cluster.drill("kill-worker", node)
    node1 = cluster.node_url(1).removeprefix("http://")
    app = env_file(tmp_path, "app.env", {**cluster.app_env(), "GUNICORN_BIND": node1})
    common = ["run", "--detach", "--network", "host", "--env-file", app]
    web = docker(*common, "--name", "web", "--health-interval", "1s", IMAGE)
    assert web.returncode == 0, web.stderr
    worker = docker(*common, "--name", "worker", "--no-healthcheck", IMAGE, *WORKER)
    assert worker.returncode == 0, worker.stderr
    # Its HEALTHCHECK (GET /health/ on GUNICORN_BIND) passes: nginx can send it traffic.
    wait_until(lambda: health("web") == "healthy", seconds=180, what="the container's health check passed")

    # With node 2 stopped too, every answer through nginx comes from the container.
    cluster.drill("stop", "2")
    account = register(cluster.url)
    reset = call(cluster.url + "/api/auth/password/reset/", "POST", {"email": account["email"]})
    assert reset.status == 202, reset
    probe = {**account["auth"], "X-Request-ID": PROBE}
    served = call(cluster.url + "/api/auth/user/", headers=probe)
    assert served.status == 200 and served.body["email"] == account["email"], served
    assert PROBE in docker("logs", "web").stdout
    # The mail is sent by the container's worker (the host's are dead).
    mailed = "the worker container sent the mail"
    wait_until(lambda: mail_server.delivered_to(account["email"]), seconds=60, what=mailed)

    # Not root, and no compiler or pip inside.
    assert docker("exec", "web", "id", "-u").stdout.strip() != "0"
    tools = docker("exec", "web", "sh", "-c", "command -v gcc cc make pip; true").stdout.strip()
    assert tools == "", tools
