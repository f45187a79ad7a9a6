"""The one rule for client-supplied date-times in filters, shared by every surface.

No offset means UTC (as REST's ``created_after`` and GraphQL's ``createdAt``
document), and an instant outside years 1 to 9999 once in UTC is a client
error: Python parses "0001-01-01T00:00:00+01:00", but converting it for a
query would raise OverflowError (a 500).
"""

from __future__ import annotations

import datetime as dt

OUT_OF_RANGE_MESSAGE = "Enter a date-time between the years 1 and 9999 in UTC."


class DateTimeOutOfRange(ValueError):
    def __init__(self) -> None:
        super().__init__(OUT_OF_RANGE_MESSAGE)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC (naive means UTC), or ``DateTimeOutOfRange``."""
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        raise DateTimeOutOfRange from None
