"""The documentation stays true: what it names exists, its links resolve, it names no issue.

Rules, for every markdown file of the repository (dependencies and generated
folders excepted):
- a `make X` in code (inline or fenced) names a target of the Makefile;
- a repository path in backticks (a span without spaces whose first part is a
  top-level file or folder, like `api/policy.py` or `tests/production/test_attack_*.py`)
  exists; `path::name` also names a test function or class in that file;
- a relative link, and its `#anchor`, resolves (GitHub's heading slugs);
- an upper-case name in the first column of a table headed `variable` is read
  somewhere in the code that reads the environment (backend/, gunicorn.conf.py,
  scripts/, the Makefile);
- no document but CHANGELOG.md names an issue (`issue 23`, `#23`);
- every row of docs/SECURITY.md's tables names, in its test column, at least
  one test as `tests/path.py::test_name` (or a test file or folder), and nothing else there.
"""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"node_modules", ".venv", ".git", ".run", "site-packages"}
HISTORY_EXEMPT = {"CHANGELOG.md"}
ENV_READERS = ["backend", "gunicorn.conf.py", "scripts", "Makefile"]


def markdown_files() -> list[Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return sorted(ROOT / name for name in tracked if not SKIPPED_DIRS & set(Path(name).parts))


DOCS = markdown_files()


def doc_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def without_fences(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def fenced_lines(text: str) -> list[str]:
    return [
        line
        for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
        for line in block.splitlines()
    ]


def code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", without_fences(text))


@functools.cache
def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return {name for line in re.findall(r"^([\w. -]+):(?!=)", makefile, flags=re.M) for name in line.split()}


def named_make_targets(text: str) -> set[str]:
    code = [*code_spans(text), *fenced_lines(text)]
    return {target for span in code for target in re.findall(r"(?:^|[\s;&|(])make ([a-z][\w-]*)", span)}


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_make_target_named_exists(doc):
    missing = named_make_targets(doc.read_text()) - make_targets()
    assert not missing, f"{doc_id(doc)} names make targets the Makefile lacks: {sorted(missing)}"


@functools.cache
def top_level() -> set[str]:
    # Output folders (.run/, .venv/) are no repository paths, whether or not this checkout has them.
    return {entry.name for entry in ROOT.iterdir()} - {".git"} - SKIPPED_DIRS


PATH_SPAN = re.compile(r"^[\w.*-]+(?:/[\w.*\[\]-]*)*(?:::[\w\[\]-]+)?$")


def repository_path(span: str) -> str | None:
    """The path a code span names, or None when the span is no repository path."""
    if not PATH_SPAN.match(span) or ("/" not in span and "::" not in span):
        return None
    path = span.split("::")[0]
    return path if path.split("/")[0] in top_level() else None


def path_exists(path: str) -> bool:
    return any(True for _ in ROOT.glob(path.rstrip("/"))) if "*" in path else (ROOT / path).exists()


@functools.cache
def definitions(path: str) -> set[str]:
    """Names of the functions and classes a Python file defines, at any depth (pytest collects methods too)."""
    tree = ast.parse((ROOT / path).read_text())
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {node.name for node in ast.walk(tree) if isinstance(node, kinds)}


def names_a_definition(span: str) -> bool:
    path, _, name = span.partition("::")
    return not name or (path.endswith(".py") and name.split("[")[0] in definitions(path))


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_repository_path_named_exists(doc):
    text = doc.read_text()
    wrong = []
    for span in code_spans(text):
        path = repository_path(span)
        if path is not None and not (path_exists(path) and names_a_definition(span)):
            wrong.append(span)
    assert not wrong, f"{doc_id(doc)} names paths or tests that do not exist: {wrong}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


@functools.cache
def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", without_fences(path.read_text()), flags=re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(doc: Path) -> list[str]:
    wrong = []
    for target in re.findall(r"\]\(([^)\s]+)\)", without_fences(doc.read_text())):
        if re.match(r"^[a-z]+:", target):
            continue  # http:, https:, mailto:
        file_part, _, anchor = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
            wrong.append(target)
    return wrong


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_internal_link_resolves(doc):
    wrong = broken_links(doc)
    assert not wrong, f"{doc_id(doc)} links to missing files or anchors: {wrong}"


def table_rows(text: str) -> list[list[list[str]]]:
    """Each table as rows of cells, the header row first, the separator row dropped."""
    tables, current = [], []
    for line in [*without_fences(text).splitlines(), ""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def documented_variables(text: str) -> set[str]:
    names = set()
    for table in table_rows(text):
        if table[0][0].lower() == "variable":
            for row in table[1:]:
                names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", row[0]))
    return names


@functools.cache
def environment_reading_code() -> str:
    parts = []
    for name in ENV_READERS:
        path = ROOT / name
        files = (
            [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and p.suffix != ".pyc"]
        )
        parts.extend(file.read_text(errors="replace") for file in files)
    return "\n".join(parts)


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_documented_environment_variable_is_read(doc):
    code = environment_reading_code()
    unread = sorted(
        name for name in documented_variables(doc.read_text()) if not re.search(rf"\b{name}\b", code)
    )
    assert not unread, f"{doc_id(doc)} documents variables nothing reads: {unread}"


ISSUE = re.compile(r"\bissues? #?\d+|(?<![\w&/#])#\d+\b", re.I)


@pytest.mark.parametrize("doc", [d for d in DOCS if d.name not in HISTORY_EXEMPT], ids=doc_id)
def test_no_document_names_an_issue(doc):
    found = ISSUE.findall(doc.read_text())
    assert not found, f"{doc_id(doc)} names issues: {found}"


# Code comments and docstrings follow the same rule: say what the code does, not which ticket asked.
CODE_ISSUE = re.compile(r"\bissues? \d+", re.I)


def test_no_source_comment_names_an_issue():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    suffixes = {".py", ".sh", ".ts", ".graphql", ".toml", ".cfg"}
    found = [
        f"{name}: {hit}"
        for name in tracked.stdout.split()
        if Path(name).suffix in suffixes and name != "tests/test_docs.py" and (ROOT / name).is_file()
        for hit in CODE_ISSUE.findall((ROOT / name).read_text(errors="replace"))
    ]
    assert not found, f"source files name issues: {found}"


TEST_REFERENCE = re.compile(r"`(tests/[^`\s]+)`")


def security_test_cells() -> list[str]:
    cells = []
    for table in table_rows((ROOT / "docs/SECURITY.md").read_text()):
        header = [cell.lower() for cell in table[0]]
        if "test" in header:
            column = header.index("test")
            cells.extend(row[column] for row in table[1:])
    return cells


def test_every_security_row_names_tests_that_exist():
    cells = security_test_cells()
    assert len(cells) > 50
    wrong = []
    for cell in cells:
        references = TEST_REFERENCE.findall(cell)
        leftover = TEST_REFERENCE.sub("", cell).strip(" ,;")
        if not references or leftover:
            wrong.append(cell)
        wrong.extend(
            ref for ref in references if not (path_exists(ref.split("::")[0]) and names_a_definition(ref))
        )
    assert not wrong, f"docs/SECURITY.md test cells that name no existing test: {wrong}"


def test_the_checks_catch_what_they_are_for(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("See [x](missing.md) and [y](#nowhere).\n\n# Here\n")
    assert broken_links(doc) == ["missing.md", "#nowhere"]
    assert named_make_targets("run `make migrations` or\n```\nmake nothing-here\n```\n") == {
        "migrations",
        "nothing-here",
    }
    assert repository_path("api/policy.py") == "api/policy.py"
    assert repository_path("/api/v1/") is None
    assert not names_a_definition("tests/test_docs.py::test_no_such_test")
    assert names_a_definition("tests/test_docs.py::test_the_checks_catch_what_they_are_for")
    assert ISSUE.findall("fixed in issue 23 and #24; see (#anchor)") == ["issue 23", "#24"]
    assert documented_variables("| variable | default |\n|---|---|\n| `A_B`, `CC` | 1 |\n") == {"A_B", "CC"}


@pytest.mark.parametrize(
    ("name", "limit"), [("README.md", 12_000), ("docs/SECURITY.md", 25_000), ("BENCHMARKS.md", 15_000)]
)
def test_the_entry_documents_stay_short(name, limit):
    size = len((ROOT / name).read_bytes())
    assert size <= limit, f"{name} is over {limit} bytes: move reference to the feature docs"


def make_run_recipe() -> str:
    makefile = (ROOT / "Makefile").read_text()
    return re.search(r"^run:.*?\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)


def test_make_run_prints_the_addresses_the_readme_shows():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## What you see") : readme.index("## What the suite proves")]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    shown = set(re.findall(r"http://127\.0\.0\.1:8000(/[\w/-]*)", table))
    assert {"/", "/api/v1/", "/api/docs/", "/graphql/", "/api-auth/login/"} <= shown
    recipe = make_run_recipe()
    printed = set(re.findall(r"\$\(PORT\)(/[\w/-]*)", recipe)) | set(re.findall(r"at (/[\w/-]*)", recipe))
    assert shown <= printed, f"make run does not print {sorted(shown - printed)}"
