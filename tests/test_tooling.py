"""The commands a Django developer types run the same pytest suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from backend.test_runner import label_to_pytest_path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    # The nested suite runs on in-memory SQLite: it proves the delegation, and
    # must not fight the outer run over a PostgreSQL test database.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("DB_")}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_manage_py_test_runs_pytest_with_test_settings():
    result = run(sys.executable, "manage.py", "test", "tests.test_smoke")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_manage_py_test_reports_failure(tmp_path):
    result = run(sys.executable, "manage.py", "test", "tests/test_smoke.py::does_not_exist")
    assert result.returncode != 0


def test_coverage_run_manage_py_test_measures_the_project(tmp_path):
    data_file = tmp_path / ".coverage"
    result = run(
        sys.executable,
        "-m",
        "coverage",
        "run",
        f"--data-file={data_file}",
        "--source=.",
        "manage.py",
        "test",
        "tests.test_smoke",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = run(sys.executable, "-m", "coverage", "report", f"--data-file={data_file}")
    assert "backend/views.py" in report.stdout


def test_dotted_labels_become_paths():
    assert label_to_pytest_path("tests.test_smoke") == "tests/test_smoke.py"
    assert label_to_pytest_path("tests.auth") == "tests/auth"
    assert (
        label_to_pytest_path("tests/auth/test_register.py::test_x") == "tests/auth/test_register.py::test_x"
    )
