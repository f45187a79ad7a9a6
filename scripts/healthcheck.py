"""The container's health check: GET /health/ on the web server's own address; exit 0 when it answers 200.

The address is GUNICORN_BIND (a wildcard host is reached on loopback); the
Host header is ``localhost``, which ALLOWED_HOSTS must list.
"""

import os
import sys
import urllib.request

# Bind addresses meaning "every interface": the check reaches them on loopback.
WILDCARDS = ("", "0.0.0.0", "[::]")  # noqa: S104


def health_url(bind: str) -> str:
    host, _, port = bind.rpartition(":")
    if host in WILDCARDS:
        host = "127.0.0.1"
    return f"http://{host}:{port}/health/"


def main() -> int:
    default = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
    bind = os.environ.get("GUNICORN_BIND") or default
    # An http:// URL built here from the bind address, never one from outside.
    request = urllib.request.Request(health_url(bind), headers={"Host": "localhost"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=4) as reply:  # noqa: S310
            return 0 if reply.status == 200 else 1
    except OSError as error:
        print(f"health check failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
