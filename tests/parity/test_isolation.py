"""graphene lives in reference/.venv only: the product's environment cannot import it.

The product runs graphql-core 3.3; graphene-django needs 3.2. Keeping them
apart is what lets the product follow Strawberry's releases, so a product
module that imported graphene (or the reference) would be a bug even before
it failed to import.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
from pathlib import Path

import graphql
from django.conf import settings

from .reference import REFERENCE_PYTHON

# Everything that runs in the product's environment.
PRODUCT_PACKAGES = ("api", "authentication", "graphql_api", "backend", "benchmarks")
FORBIDDEN = ("graphene", "graphene_django", "graphql_relay", "reference", "tests")


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_product_environment_cannot_import_graphene():
    for name in ("graphene", "graphene_django", "graphql_relay"):
        assert importlib.util.find_spec(name) is None, f"{name} is installed in the product's environment"
    assert (graphql.version_info.major, graphql.version_info.minor) >= (3, 3), graphql.__version__


def test_no_product_module_imports_graphene_or_the_reference():
    base = Path(settings.BASE_DIR)
    files = [
        base / "manage.py",
        *(path for package in PRODUCT_PACKAGES for path in (base / package).rglob("*.py")),
    ]
    assert len(files) > 50  # the walk found the product
    offenders = [
        f"{path.relative_to(base)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_the_reference_environment_has_graphene_on_graphql_core_3_2():
    """The other half: the reference is not 'isolated' by being absent."""
    found = subprocess.run(
        [str(REFERENCE_PYTHON), "-c", "import graphene_django, graphql; print(graphql.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert found.stdout.strip().startswith("3.2."), found.stdout
