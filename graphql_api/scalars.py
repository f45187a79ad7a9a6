"""Scalar overrides: GraphQL's ``DateTime`` inputs parse by the core's rule.

Strawberry's own ``DateTime`` parses with ``dateutil.parser.isoparse``, whose
errors are its internals ("invalid literal for int() with base 10: b'yest'",
"Expected 4 digits, got 'yest'") and which accepts other strings than REST
does. This definition keeps Strawberry's name, description and output
(``isoformat``), so the printed schema is unchanged, and parses input with
``api.datetimes.parse_iso_datetime``: the same strings as REST's
``created_after``, refused with the same words.
"""

from __future__ import annotations

import datetime as dt

from graphql import GraphQLError
from strawberry.types.scalar import scalar

from api.datetimes import InvalidDateTime, parse_iso_datetime


def _parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise GraphQLError(f"DateTime cannot represent a non-string value: {value!r}.")
    try:
        return parse_iso_datetime(value)
    except InvalidDateTime as error:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise GraphQLError(f'DateTime cannot represent "{shown}": {error}') from None


# A ScalarDefinition for StrawberryConfig.scalar_map (Strawberry's recommended
# way: passing the class to scalar() is deprecated).
DateTime = scalar(
    name="DateTime",
    description="Date with time (isoformat)",
    serialize=dt.datetime.isoformat,
    parse_value=_parse_datetime,
)

SCALAR_MAP = {dt.datetime: DateTime}
