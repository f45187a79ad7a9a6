"""The one rule for client-supplied date-times in filters, shared by every surface.

No offset means UTC (as REST's ``created_after`` and GraphQL's ``createdAt``
document), and an instant outside years 1 to 9999 once in UTC is a client
error: Python parses "0001-01-01T00:00:00+01:00", but converting it for a
query would raise OverflowError (a 500).
"""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_datetime

OUT_OF_RANGE_MESSAGE = "Enter a date-time between the years 1 and 9999 in UTC."
# What a client reads when a date-time does not parse, on every surface.
INVALID_MESSAGE = "Enter a valid ISO 8601 date-time, such as 2024-01-31T12:00:00Z."


class InvalidDateTime(ValueError):
    def __init__(self) -> None:
        super().__init__(INVALID_MESSAGE)


def parse_iso_datetime(text: str) -> dt.datetime:
    """``text`` as a date-time (ISO 8601, as Django's forms read it), or ``InvalidDateTime``.

    The parser behind REST's ``created_after``/``created_before`` (Django's
    ``parse_datetime``) and GraphQL's ``DateTime`` inputs, so both accept the
    same strings and refuse the rest with the same words.
    """
    try:
        moment = parse_datetime(text.strip())
    except ValueError:  # well-formed but impossible: 2024-02-30T00:00:00
        moment = None
    if moment is None:
        raise InvalidDateTime
    return moment


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
