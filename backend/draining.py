"""Whether this process is draining: it received SIGTERM and stops in ``HTTP_DRAIN_SECONDS``.

Set by the server (backend/uvicorn_worker.py); read by ``/ready/``, which
answers 503 from then on, so a load balancer that polls it stops sending new
requests while the node still answers the ones already on their way.
"""

from __future__ import annotations

import threading

draining = threading.Event()
