"""black, isort, flake8 and mypy are configured to agree with ruff (`make lint` runs all five).

ruff's settings in pyproject.toml are the reference: a change to its line length,
import order or excluded files without the same change for the others fails here,
before two formatters start rewriting each other's output.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

import isort
import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TOOL = PYPROJECT["tool"]
RUFF = TOOL["ruff"]


def flake8() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return parser["flake8"]


def flake8_list(name: str) -> list[str]:
    return [item.strip() for item in flake8()[name].split(",") if item.strip()]


def test_one_line_length():
    length = RUFF["line-length"]
    assert TOOL["black"]["line-length"] == length
    assert TOOL["isort"]["line_length"] == length
    assert int(flake8()["max-line-length"]) == length


def test_black_targets_ruffs_python():
    assert TOOL["black"]["target-version"] == [RUFF["target-version"]]


def test_one_import_order():
    ruff_isort = RUFF["lint"]["isort"]
    assert TOOL["isort"]["profile"] == "black"
    assert sorted(TOOL["isort"]["known_first_party"]) == sorted(ruff_isort["known-first-party"])
    # The same first-party packages the repository holds, so neither tool has to guess.
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert set(ruff_isort["known-first-party"]) == packages


def test_isort_accepts_what_ruff_writes():
    # Sorted as ruff's isort rules (I001) sort: future, stdlib, third party, first party.
    code = (
        "from __future__ import annotations\n\n"
        "import os\nfrom pathlib import Path\n\n"
        "from django.conf import settings\nfrom rest_framework import status\n\n"
        "from api.models import ExampleModel\nfrom backend.settings.env import env_str\n"
    )
    assert isort.check_code(code, settings_path=str(ROOT), show_diff=False)


def test_flake8_ignores_only_what_the_formatter_writes_or_ruff_ignores():
    formatting = {"E203", "W503", "E701", "E704"}
    ignored = set(flake8_list("extend-ignore"))
    assert ignored - formatting == {code for code in RUFF["lint"]["ignore"] if code.startswith(("E", "W"))}


@pytest.mark.parametrize(
    "path", ["api/migrations/0001_initial.py", "tests/api/snapshots/snap_test_snapshots.py"]
)
def test_every_tool_leaves_out_what_ruff_leaves_out(path):
    # Generated files: ruff's extend-exclude names both kinds.
    assert {"*/migrations/*", "**/snapshots/*"} <= set(RUFF["extend-exclude"])
    assert re.search(TOOL["black"]["extend-exclude"], f"/{path}")
    assert any(Path(path).match(glob) for glob in TOOL["isort"]["extend_skip_glob"])
    assert set(Path(path).parts) & set(flake8_list("extend-exclude"))
    assert any(re.search(pattern, path) for pattern in TOOL["mypy"]["exclude"])


def test_mypy_checks_the_product_with_the_django_drf_and_strawberry_plugins():
    mypy = TOOL["mypy"]
    assert set(mypy["plugins"]) == {
        "mypy_django_plugin.main",
        "mypy_drf_plugin.main",
        "strawberry.ext.mypy_plugin",
    }
    assert set(mypy["files"]) >= {"backend", "authentication", "api", "graphql_api", "manage.py"}
    assert mypy["check_untyped_defs"] and mypy["warn_unused_ignores"]
    assert (
        TOOL["django-stubs"]["django_settings_module"]
        == PYPROJECT["tool"]["pytest"]["ini_options"]["DJANGO_SETTINGS_MODULE"]
    )


def test_make_lint_installs_every_tool_it_runs():
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    pinned = {
        Requirement(line).name.lower(): Requirement(line)
        for line in (line.strip() for line in lines)
        if line and not line.startswith(("#", "-r"))
    }
    for tool in ("ruff", "black", "isort", "flake8", "mypy", "django-stubs", "djangorestframework-stubs"):
        assert tool in pinned, f"{tool} is not in requirements-dev.txt"
        assert str(pinned[tool].specifier).startswith("=="), f"{tool} is not pinned"
