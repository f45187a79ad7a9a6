"""The reference as the test suite runs it (tests/parity/reference.py starts it).

The database is the test database of the running pytest session, given in
the environment by the fixture; every request's SQL is sent back in a header
so that the tests can count it.
"""

from reference.settings import *  # noqa: F403
from reference.settings import DATABASES

REFERENCE_SQL_HEADER = True
SECRET_KEY = "reference-test-only-secret-key-0123456789abcdef"  # noqa: S105
# No connection kept open between requests: the test database is flushed,
# and on PostgreSQL dropped at the end, by the test process.
DATABASES["default"]["CONN_MAX_AGE"] = 0
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"], "level": "WARNING"},
}
