"""daphne's ``runserver`` (HTTP and the live-updates WebSocket), with a 4xx JSON for a line too long.

Twisted's HTTP server, under daphne, reads the request line and each header
line with ``LineReceiver``, which drops the connection without a word when a
line passes ``MAX_LENGTH`` (16,384 bytes): a 50,000-character URL got no
answer at all, where production answers it. Here such a line is answered
``414`` (the request line) or ``431`` (a header line) with a JSON body, and
the connection is closed, as Twisted's own ``400`` for other malformed
requests does.
"""

from __future__ import annotations

import json
import re

from daphne.management.commands.runserver import Command as DaphneRunserver
from twisted.web import http

# A request line starts with its method and a space; a header line with a name and a colon.
REQUEST_LINE = re.compile(rb"[A-Z]+ ")


def _answer(status: int, reason: str, detail: str) -> bytes:
    body = json.dumps({"detail": detail}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


URI_TOO_LONG = _answer(414, "URI Too Long", "The request line is too long.")
HEADER_TOO_LONG = _answer(431, "Request Header Fields Too Large", "A request header is too long.")


def line_too_long(channel: http.HTTPChannel, line: bytes) -> None:
    channel.transport.write(URI_TOO_LONG if REQUEST_LINE.match(line) else HEADER_TOO_LONG)
    channel.loseConnection()


def answer_long_lines() -> None:
    """Make Twisted's HTTP channel answer an over-long line instead of dropping the connection."""
    http.HTTPChannel.lineLengthExceeded = line_too_long  # type: ignore[assignment]


class Command(DaphneRunserver):
    def handle(self, *args, **options):
        answer_long_lines()
        return super().handle(*args, **options)
