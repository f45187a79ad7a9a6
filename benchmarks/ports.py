"""A free TCP port on loopback, for servers the benchmarks and the tests start (stdlib only, no Django)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port the kernel has just handed out and released: free unless another process takes it first."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
