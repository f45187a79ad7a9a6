"""gunicorn settings, all from the environment (see README "Deploying").

gunicorn -c gunicorn.conf.py backend.asgi:application

The ASGI app (HTTP and the live-updates WebSocket) on uvicorn workers
(backend/uvicorn_worker.py) by default. GUNICORN_WORKER_CLASS=gthread serves
the WSGI app instead (``gunicorn -c gunicorn.conf.py backend.wsgi``: HTTP
only, no live updates), the server this project ran before; `make bench`
measures both.

Public traffic reaches gunicorn only through nginx (scripts/nginx.sh), so
``bind`` is a loopback or private address. One pool of ASGI workers serves
HTTP and WebSocket, rather than HTTP on gthread workers and WebSocket on
ASGI workers routed apart by the proxy: nginx already takes what made the
WSGI pool fragile off the app (slow bodies, huge headers), and one kind of
process keeps one config, one set of workers to size and one place where a
write's live event is published.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = (
    os.environ.get("GUNICORN_BIND")
    or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = _int("GUNICORN_WORKERS", 2)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "backend.uvicorn_worker.Worker"
# The WSGI workers' threads (gthread); an ASGI worker runs sync views in its
# own thread pool instead.
threads = _int("GUNICORN_THREADS", 4)
if worker_class == "gthread" and threads <= 1:
    worker_class = "sync"
# Under the uvicorn workers this is NOT a request timeout: a worker is killed
# and replaced when its event loop has not reported to the master for this
# long (the loop is stuck in synchronous code). A slow request, a slow view
# in the thread pool or a slow client is not bounded by it; nginx's
# PROXY_UPSTREAM_TIMEOUT ends the wait for a slow answer, and
# HTTP_BODY_TIMEOUT_SECONDS (backend/uvicorn_worker.py) a slow body.
# Under gthread/sync workers it is the limit on one request's run.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM a worker first drains for HTTP_DRAIN_SECONDS (backend/uvicorn_worker.py), then
# finishes requests in flight: this must exceed both, or gunicorn kills it mid-request.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Load the app once in the master; workers fork from it (faster start, shared memory).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# One JSON object per access-log line, with the request id the app echoed.
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "remote": "%(h)s", "method": "%(m)s", '
    '"path": "%(U)s", "query": "%(q)s", "status": %(s)s, "bytes": "%(B)s", "duration_us": %(D)s, '
    '"request_id": "%({x-request-id}o)s", "user_agent": "%(a)s"}'
)

# gunicorn's own messages (start, worker exits, timeouts) as JSON lines too.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "backend.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {"gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False}},
}

# Prometheus metrics (backend/metrics.py). METRICS_BIND (host:port, loopback or
# a private address; empty: no listener) is a listener of its own in the master,
# never the public port, so nginx has no way to route to it. Each worker writes
# its values to files in PROMETHEUS_MULTIPROC_DIR, which must be set before the
# app (preloaded here) imports prometheus_client; the listener sums the files of
# every worker, past ones included. One folder per node, emptied at start so a
# restarted node does not add its previous life's counts.
metrics_bind = os.environ.get("METRICS_BIND", "").strip()
if metrics_bind:
    import glob
    import tempfile

    _metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="gunicorn-metrics-")
    os.makedirs(_metrics_dir, exist_ok=True)
    # Only the client's own files: the folder may be one an operator chose.
    for _stale in glob.glob(os.path.join(_metrics_dir, "*.db")):
        os.remove(_stale)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def when_ready(server) -> None:
    """Start the metrics listener in the master, once, before the workers fork."""
    if not metrics_bind:
        return
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    host, _, port = metrics_bind.rpartition(":")
    start_http_server(int(port), addr=host or "127.0.0.1", registry=registry)
    server.log.info("metrics on http://%s/metrics", metrics_bind)


def child_exit(server, worker) -> None:
    """A worker's gauges of live things leave with it; its counters stay in the sums."""
    if metrics_bind:
        from prometheus_client.multiprocess import mark_process_dead

        mark_process_dead(worker.pid)


def post_fork(server, worker) -> None:
    """Traces (backend/tracing.py): each worker starts its own exporter thread, after the fork.

    Every worker class passes here (uvicorn's and gthread's). The instrumentation
    itself was installed when the app loaded (in the master when preloaded): its
    tracers are proxies that start recording once this sets the provider.
    """
    if os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() in ("", "none"):
        return
    # Without preload the app loads after this hook; the settings are needed now.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.production")
    from django.conf import settings

    if settings.TRACING:
        from backend.tracing import start

        start()
