"""`python manage.py test` runs the pytest suite.

Django developers type `manage.py test` and `coverage run manage.py test`;
both land here and run exactly what `make test` runs, in-process so coverage
sees it. manage.py switches to test settings for the `test` command.

The test tools are development requirements (requirements-dev.txt), not
runtime ones: after a plain `pip install -r requirements.txt` the command
stops with one line saying what to install (manage.py prints it), not an
ImportError traceback from the middle of pytest.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

# What the suite cannot start without: the runner, its Django plugin, the snapshots.
TEST_TOOLS = ("pytest", "pytest_django", "snapshottest")
MISSING_TEST_TOOLS = (
    "The test suite needs the development requirements: run `make test` "
    "(or `pip install -r requirements-dev.txt`)."
)


class MissingTestTools(Exception):
    """The development requirements are not installed; manage.py prints the message in one line."""


def require_test_tools() -> None:
    for name in TEST_TOOLS:
        try:
            importlib.import_module(name)
        except ImportError:
            raise MissingTestTools(f"{MISSING_TEST_TOOLS} ({name} is missing)") from None


class PytestTestRunner:
    def __init__(
        self,
        verbosity: int = 1,
        failfast: bool = False,
        keepdb: bool = False,
        **kwargs: Any,
    ) -> None:
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb

    @classmethod
    def add_arguments(cls, parser) -> None:
        parser.add_argument("--keepdb", action="store_true", help="Reuse the test database.")

    def run_tests(self, test_labels: list[str], **kwargs: Any) -> int:
        require_test_tools()
        import pytest

        argv: list[str] = []
        if self.verbosity == 0:
            argv.append("--quiet")
        elif self.verbosity >= 2:
            argv.append("-" + "v" * (self.verbosity - 1))
        if self.failfast:
            argv.append("--exitfirst")
        if self.keepdb:
            argv.append("--reuse-db")
        argv.extend(label_to_pytest_path(label) for label in test_labels)
        return pytest.main(argv)


def label_to_pytest_path(label: str) -> str:
    """Django's dotted labels ("tests.auth.test_login") as pytest paths."""
    if "/" in label or "::" in label or label.endswith(".py"):
        return label
    path = Path(*label.split("."))
    module = path.with_suffix(".py")
    return str(module if module.exists() else path)
