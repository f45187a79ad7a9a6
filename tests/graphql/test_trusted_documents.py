"""Trusted documents (graphql_api.persisted): the manifest, both id forms, the production switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor
from graphql.language.parser import Parser
from graphql.validation import FieldsOnCorrectTypeRule

from api.models import ExampleModel
from graphql_api import persisted
from graphql_api.persisted import ManifestError, load_manifest, sha256_hex
from graphql_api.releases import HistoryUnavailable, previous_release
from graphql_api.schema import schema

from ..factories import PASSWORD, ExampleFactory, UserFactory, token_for

ROOT = Path(settings.BASE_DIR)
OPERATIONS = ROOT / "frontend" / "operations"
MANIFEST = ROOT / "frontend" / "generated" / "persisted-documents.json"
GENERATED_TS = ROOT / "frontend" / "generated" / "graphql.ts"
RETAINED = ROOT / "frontend" / "released-documents.json"
URL = "/graphql/"
REGENERATE = "run `npm ci && npm run codegen` and commit frontend/generated/"


def manifest_entries() -> dict[str, str]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def id_of(operation: str) -> str:
    """The manifest's sha256 of the document holding ``operation``."""
    [sha256] = [
        sha256
        for sha256, text in manifest_entries().items()
        if any(
            isinstance(d, OperationDefinitionNode) and d.name.value == operation
            for d in parse(text).definitions
        )
    ]
    return sha256


def text_of(operation: str) -> str:
    return manifest_entries()[id_of(operation)]


# -- the manifest and its drift ----------------------------------------------------------


class _SortSelections(Visitor):
    """Sort every selection set: codegen orders fields by name, the files by hand."""

    def leave_selection_set(self, node: SelectionSetNode, *_args):
        return SelectionSetNode(selections=tuple(sorted(node.selections, key=print_ast)))


def canonical(document: DocumentNode, operation: str) -> str:
    """``operation`` and the fragments it uses, printed in a stable order."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    [root] = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name.value == operation
    ]
    used: dict[str, FragmentDefinitionNode] = {}
    pending = [root]
    while pending:
        node = pending.pop()
        for spread in _spreads(node):
            if spread not in used:
                used[spread] = fragments[spread]
                pending.append(fragments[spread])
    parts = [root, *(used[name] for name in sorted(used))]
    return "\n".join(print_ast(visit(part, _SortSelections())) for part in parts)


def _spreads(node) -> list[str]:
    names: list[str] = []

    class Collect(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_args):
            names.append(spread.name.value)

    visit(node, Collect())
    return names


def operations_in_files() -> dict[str, str]:
    """Operation name -> canonical text, from frontend/operations/ (fragments from any file)."""
    files = sorted(OPERATIONS.glob("**/*.graphql"))
    assert files, "frontend/operations/ holds no operations"
    document = parse("\n".join(path.read_text(encoding="utf-8") for path in files))
    names = [d.name.value for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return {name: canonical(document, name) for name in names}


def test_manifest_hashes_are_the_sha256_of_the_stored_documents():
    entries = manifest_entries()
    assert entries, f"The manifest is empty: {REGENERATE}."
    for sha256, text in entries.items():
        assert sha256_hex(text) == sha256, f"{sha256} is not the sha256 of its document: {REGENERATE}."


def test_manifest_holds_every_operation_in_frontend_operations_and_nothing_else():
    expected = operations_in_files()
    found: dict[str, str] = {}
    for text in manifest_entries().values():
        document = parse(text)
        [operation] = [d.name.value for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        found[operation] = canonical(document, operation)
    message = f"The manifest's operations differ from the files: {REGENERATE}."
    assert sorted(found) == sorted(expected), message
    for name, text in expected.items():
        assert found[name] == text, f"The manifest's {name} differs from frontend/operations/: {REGENERATE}."


def test_typed_documents_carry_the_manifests_hashes():
    generated = GENERATED_TS.read_text(encoding="utf-8")
    for sha256 in manifest_entries():
        assert f'"hash":"{sha256}"' in generated, f"graphql.ts lacks {sha256}: {REGENERATE}."


# -- start-up validation -------------------------------------------------------------------


def write_manifest(path: Path, *documents: str) -> Path:
    path.write_text(json.dumps({sha256_hex(text): text for text in documents}), encoding="utf-8")
    return path


BROKEN = "query Broken { me { nickname } }"


def test_the_committed_manifest_is_loaded_parsed_and_validated_at_start():
    manifest = persisted.get_manifest()
    retained = persisted.read_retained(RETAINED).documents
    assert len(manifest) == len(set(manifest_entries()) | set(retained))
    assert len(operations_in_files()) == len(manifest_entries())
    for document in manifest.by_hash.values():
        assert isinstance(document.document, DocumentNode)


def test_a_document_the_schema_refuses_names_the_operation(tmp_path):
    path = write_manifest(tmp_path / "manifest.json", "query Fine { me { id } }", BROKEN)
    with pytest.raises(
        ManifestError, match=r"operation Broken .*Cannot query field 'nickname'.*npm run codegen"
    ):
        load_manifest(path, schema)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps({"0" * 64: "query Me { me { id } }"}), "is not the sha256 of its document"),
        (json.dumps(["query Me { me { id } }"]), "must be a JSON object"),
        ("{not json", "is not valid JSON"),
        (json.dumps({sha256_hex("{ me { id } }"): "{ me { id } }"}), "exactly one named operation"),
        (json.dumps({sha256_hex("query {"): "query {"}), "does not parse"),
    ],
)
def test_a_malformed_manifest_is_refused(tmp_path, content, message):
    path = tmp_path / "manifest.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        load_manifest(path, schema)


def test_a_missing_manifest_is_refused(tmp_path):
    with pytest.raises(ManifestError, match="is missing; run `npm run codegen`"):
        load_manifest(tmp_path / "absent.json", schema)


def test_the_app_refuses_to_start_with_a_manifest_the_schema_refuses(tmp_path):
    path = write_manifest(tmp_path / "manifest.json", BROKEN)
    with (
        override_settings(GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST=str(path)),
        pytest.raises(ManifestError, match="operation Broken"),
    ):
        apps.get_app_config("graphql_api").ready()


def test_manage_py_fails_to_start_naming_the_operation(tmp_path):
    path = write_manifest(tmp_path / "manifest.json", BROKEN)
    env = {
        **os.environ,
        "GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST": str(path),
        "DJANGO_SETTINGS_MODULE": "backend.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "operation Broken" in result.stderr


# -- requests by id ---------------------------------------------------------------------------


def post(client: Client, body: dict, **headers: str):
    return client.post(URL, body, content_type="application/json", headers=headers)


def get(client: Client, params: dict, **headers: str):
    encoded = {key: json.dumps(value) if isinstance(value, dict) else value for key, value in params.items()}
    return client.get(URL, encoded, headers=headers)


def error_of(response) -> tuple[int, str, str]:
    [error] = response.json()["errors"]
    return response.status_code, error["extensions"]["code"], error["message"]


@pytest.fixture
def owner(db):
    user = UserFactory(username="alice")
    ExampleFactory(user=user, title="Mine")
    ExampleFactory(title="Someone else's")
    return user


@pytest.fixture
def auth(owner) -> dict[str, str]:
    return {"Authorization": f"Token {token_for(owner)}"}


EXAMPLES_VARIABLES = {"pagination": {"limit": 5}}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body
    return [row["title"] for row in body["data"]["examples"]["results"]]


def test_document_id_by_post_answers_as_the_text_does(client, auth):
    by_id = post(
        client,
        {
            "documentId": f"sha256:{id_of('Examples')}",
            "variables": EXAMPLES_VARIABLES,
            "operationName": "Examples",
        },
        **auth,
    )
    by_text = post(client, {"query": text_of("Examples"), "variables": EXAMPLES_VARIABLES}, **auth)
    assert titles(by_id) == titles(by_text) == ["Mine"]
    assert by_id.json() == by_text.json()


def test_document_id_by_get(client, auth):
    response = get(
        client,
        {"documentId": f"sha256:{id_of('Examples')}", "variables": EXAMPLES_VARIABLES},
        Accept="text/html,*/*",
        **auth,
    )
    assert titles(response) == ["Mine"]


def test_apollo_persisted_query_by_post_and_by_get(client, auth):
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": id_of("Examples")}}
    assert titles(post(client, {"extensions": extensions, "variables": EXAMPLES_VARIABLES}, **auth)) == [
        "Mine"
    ]
    assert titles(get(client, {"extensions": extensions, "variables": EXAMPLES_VARIABLES}, **auth)) == [
        "Mine"
    ]


def test_a_mutation_by_id_runs_by_post_and_is_refused_over_get(client, auth, owner):
    body = {"documentId": f"sha256:{id_of('CreateExample')}", "variables": {"data": {"title": "By id"}}}
    response = post(client, body, **auth)
    assert response.json()["data"]["createExample"]["title"] == "By id"
    refused = get(client, {"documentId": body["documentId"], "variables": body["variables"]}, **auth)
    assert refused.status_code == 405
    assert refused["Allow"] == "POST"
    assert ExampleModel.objects.filter(user=owner).count() == 2


@pytest.mark.parametrize("form", ["documentId", "apollo", "get"])
def test_an_unknown_id_is_persisted_query_not_found(client, auth, form):
    unknown = "ab" * 32
    if form == "documentId":
        response = post(client, {"documentId": f"sha256:{unknown}"}, **auth)
    elif form == "apollo":
        response = post(
            client, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": unknown}}}, **auth
        )
    else:
        response = get(client, {"documentId": f"sha256:{unknown}"}, **auth)
    status, code, message = error_of(response)
    assert (status, code) == (400, "PERSISTED_QUERY_NOT_FOUND")
    assert unknown in message


@pytest.mark.parametrize(
    "body",
    [
        {"documentId": "md5:abc"},
        {"documentId": "sha256:xyz"},
        {"documentId": 12},
        {"documentId": None},
        {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "ab" * 32}}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": ["ab"]}}},
        {"extensions": {"persistedQuery": "ab"}},
    ],
)
def test_a_malformed_id_is_a_bad_request(client, auth, body):
    assert error_of(post(client, body, **auth))[:2] == (400, "BAD_REQUEST")


def test_an_id_and_a_query_together_are_a_bad_request(client, auth):
    body = {"documentId": f"sha256:{id_of('Me')}", "query": "{ me { id } }"}
    assert error_of(post(client, body, **auth))[:2] == (400, "BAD_REQUEST")


def test_apollo_hash_with_the_text_it_hashes_runs_and_a_mismatch_is_refused(client, auth):
    query = "query Mine { examples { totalCount } }"
    good = {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}}
    assert post(client, good, **auth).json() == {"data": {"examples": {"totalCount": 1}}}
    bad = {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}}
    assert error_of(post(client, bad, **auth))[:2] == (400, "BAD_REQUEST")


def test_variables_are_still_coerced(client, auth):
    body = {"documentId": f"sha256:{id_of('Examples')}", "variables": {"pagination": {"limit": "many"}}}
    response = post(client, body, **auth)
    assert response.json()["data"] is None
    assert "Int cannot represent non-integer value" in response.json()["errors"][0]["message"]


# -- every other rule still applies ---------------------------------------------------------------


def test_an_anonymous_caller_is_refused_by_id_too(client, owner):
    body = {"documentId": f"sha256:{id_of('Examples')}", "variables": EXAMPLES_VARIABLES}
    response = post(client, body)
    assert response.json()["data"] is None
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    me = post(client, {"documentId": f"sha256:{id_of('Me')}"})
    assert me.json() == {"data": {"me": None}}


def test_a_session_post_by_id_still_needs_the_csrf_token(owner):
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username="alice", password=PASSWORD)
    body = {"documentId": f"sha256:{id_of('CreateExample')}", "variables": {"data": {"title": "Forged"}}}
    assert error_of(post(browser, body))[:2] == (403, "CSRF_FAILED")
    assert not ExampleModel.objects.filter(title="Forged").exists()


@override_settings(GRAPHQL_MAX_DEPTH=1)
def test_the_depth_limit_still_applies_to_a_trusted_document(client, auth):
    response = post(client, {"documentId": f"sha256:{id_of('Examples')}"}, **auth)
    assert response.json()["data"] is None
    assert "exceeds maximum operation depth of 1" in response.json()["errors"][0]["message"]


def test_another_users_rows_stay_invisible_by_id(client, owner):
    other = UserFactory(username="bob")
    response = post(
        client,
        {"documentId": f"sha256:{id_of('Examples')}", "variables": EXAMPLES_VARIABLES},
        Authorization=f"Token {token_for(other)}",
    )
    assert titles(response) == []


# -- work skipped ------------------------------------------------------------------------------------


@pytest.fixture
def work(monkeypatch) -> dict[str, int]:
    """How many documents were parsed and how many times a standard validation rule ran."""
    counts = {"parsed": 0, "validated": 0}
    parse_document = Parser.parse_document
    rule_init = FieldsOnCorrectTypeRule.__init__

    def counting_parse(self):
        counts["parsed"] += 1
        return parse_document(self)

    def counting_rule(self, context):
        counts["validated"] += 1
        rule_init(self, context)

    monkeypatch.setattr(Parser, "parse_document", counting_parse)
    monkeypatch.setattr(FieldsOnCorrectTypeRule, "__init__", counting_rule)
    return counts


def test_a_trusted_document_is_neither_parsed_nor_revalidated(client, auth, work):
    document_id = f"sha256:{id_of('Examples')}"
    work.update(parsed=0, validated=0)  # id_of parses the manifest file itself
    by_id = post(client, {"documentId": document_id, "variables": EXAMPLES_VARIABLES}, **auth)
    assert titles(by_id) == ["Mine"]
    assert work == {"parsed": 0, "validated": 0}
    # The counters do count: a new text is parsed and validated.
    text = post(client, {"query": "query Fresh { examples { totalCount } }"}, **auth)
    assert text.json() == {"data": {"examples": {"totalCount": 1}}}
    assert work == {"parsed": 1, "validated": 1}


# -- GRAPHQL_TRUSTED_DOCUMENTS_ONLY -------------------------------------------------------------------

ARBITRARY = 'mutation { createExample(data: {title: "Arbitrary"}) { __typename } }'


@pytest.fixture
def trusted_only(settings):
    settings.GRAPHQL_TRUSTED_DOCUMENTS_ONLY = True


def test_production_turns_trusted_documents_only_on():
    code = (
        "import os; os.environ.update(SECRET_KEY='x'*50, ALLOWED_HOSTS='example.com', DB_NAME='db');"
        "from backend.settings import production as p; print(p.GRAPHQL_TRUSTED_DOCUMENTS_ONLY)"
    )
    env = {k: v for k, v in os.environ.items() if k != "GRAPHQL_TRUSTED_DOCUMENTS_ONLY"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr
    assert settings.GRAPHQL_TRUSTED_DOCUMENTS_ONLY is False  # the tests' default


@pytest.mark.usefixtures("trusted_only")
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_trusted_only_refuses_any_other_query(client, auth, owner, method):
    if method == "POST":
        response = post(client, {"query": ARBITRARY}, **auth)
    else:
        response = get(client, {"query": "{ examples { totalCount } }"}, **auth)
    status, code, message = error_of(response)
    assert (status, code) == (400, "PERSISTED_QUERY_REQUIRED")
    assert "documentId" in message
    assert not ExampleModel.objects.filter(title="Arbitrary").exists()


@pytest.mark.usefixtures("trusted_only")
def test_trusted_only_refuses_an_anonymous_query_too(client, db):
    assert error_of(post(client, {"query": "{ __typename }"}))[:2] == (400, "PERSISTED_QUERY_REQUIRED")


@pytest.mark.usefixtures("trusted_only")
def test_trusted_only_runs_the_manifest_by_id_and_by_its_exact_text(client, auth):
    by_id = post(
        client, {"documentId": f"sha256:{id_of('Examples')}", "variables": EXAMPLES_VARIABLES}, **auth
    )
    assert titles(by_id) == ["Mine"]
    by_text = post(client, {"query": text_of("Examples"), "variables": EXAMPLES_VARIABLES}, **auth)
    assert titles(by_text) == ["Mine"]


@pytest.mark.usefixtures("trusted_only")
def test_trusted_only_refuses_apollos_text_retry(client, auth):
    query = "query Mine { examples { totalCount } }"
    body = {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}}
    assert error_of(post(client, body, **auth))[:2] == (400, "PERSISTED_QUERY_REQUIRED")


@pytest.mark.usefixtures("trusted_only")
def test_staff_may_send_any_query_under_every_other_rule(client, db, settings):
    staff = UserFactory(username="staff", is_staff=True)
    ExampleFactory(title="Not the staff's")
    headers = {"Authorization": f"Token {token_for(staff)}"}
    response = post(client, {"query": "{ examples { totalCount results { title } } }"}, **headers)
    # The policy still decides what staff see: only their own rows.
    assert response.json() == {"data": {"examples": {"totalCount": 0, "results": []}}}
    settings.GRAPHQL_MAX_DEPTH = 1
    limited = post(client, {"query": "{ examples { results { title } } }"}, **headers)
    assert "exceeds maximum operation depth of 1" in limited.json()["errors"][0]["message"]


@pytest.mark.usefixtures("trusted_only")
def test_an_inactive_staff_session_is_not_an_exception(db):
    staff = UserFactory(username="staff", is_staff=True)
    browser = Client()
    browser.force_login(staff)
    staff.is_active = False
    staff.save()
    response = post(browser, {"query": "{ me { username } }"})
    # Django drops an inactive user's session: the caller is anonymous, not staff.
    assert error_of(response)[:2] == (400, "PERSISTED_QUERY_REQUIRED")


@pytest.mark.usefixtures("trusted_only")
def test_a_staff_session_in_graphiql_may_explore(db):
    staff = UserFactory(username="staff", is_staff=True)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    page = browser.get(URL, headers={"Accept": "text/html"})
    assert page.status_code == 200
    csrf = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = post(browser, {"query": "{ me { username } }"}, **{"X-CSRFToken": csrf})
    assert response.json() == {"data": {"me": {"username": "staff"}}}


pytestmark = pytest.mark.django_db


def test_a_document_keeps_a_bounded_number_of_validation_verdicts():
    from graphql import ValidationRule

    [document] = [d for d in persisted.get_manifest().by_hash.values() if d.operation_names == ("Me",)]
    rule_sets = [
        (type(f"Rule{n}", (ValidationRule,), {}),) for n in range(persisted.MAX_VALIDATIONS_KEPT + 8)
    ]
    for rules in rule_sets:
        assert document.validate(schema._schema, rules) == []
    assert 0 < len(document._validated) <= persisted.MAX_VALIDATIONS_KEPT


# -- across releases -------------------------------------------------------------------------------


def operation_of(text: str) -> str:
    [name] = [d.name.value for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
    return name


def test_every_document_of_the_previous_release_is_served_or_withdrawn_with_its_reason():
    """A rolling deploy: the previous release's frontend talks to this release's nodes."""
    try:
        previous = previous_release(ROOT, MANIFEST)
    except HistoryUnavailable as error:
        pytest.skip(f"The previous release's manifest cannot be read from git: {error}")
    if previous is None:
        pytest.skip("The manifest has no earlier committed version or release tag to compare with.")
    served = persisted.get_manifest().by_hash
    withdrawn = persisted.read_retained(RETAINED).withdrawn
    lost = sorted(
        f"{operation_of(text)} ({sha256})"
        for sha256, text in previous.entries.items()
        if sha256 not in served and sha256 not in withdrawn
    )
    assert not lost, (
        f"The previous release ({previous.label}) sends documents this release does not serve: {lost}. "
        "Run `make release-documents RELEASE_DOCUMENTS_ARGS=--previous` and commit "
        'frontend/released-documents.json (a document the schema now refuses: move it to "withdrawn" '
        "with the reason)."
    )


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def commit_manifest(root: Path, entries: dict[str, str], message: str) -> None:
    (root / "m.json").write_text(json.dumps(entries), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


def test_the_previous_release_is_the_newest_tag_else_the_manifest_before_its_last_change(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    first, second, third = ({"a": "1"}, {"a": "1", "b": "2"}, {"b": "2"})
    commit_manifest(repo, first, "first")
    commit_manifest(repo, second, "second")
    (repo / "other.txt").write_text("unrelated", encoding="utf-8")
    commit_manifest(repo, second, "unrelated change")
    manifest = repo / "m.json"
    # No tag: the committed version before the manifest's last change.
    assert previous_release(repo, manifest).entries == first
    # Changed and not yet committed: the committed version.
    manifest.write_text(json.dumps(third), encoding="utf-8")
    assert previous_release(repo, manifest).entries == second
    commit_manifest(repo, third, "third")
    # A release tag wins, but not the one on HEAD (that is this release).
    git(repo, "tag", "v1.0", "HEAD~2")
    git(repo, "tag", "v1.1", "HEAD")
    git(repo, "tag", "not-a-release", "HEAD~1")
    release = previous_release(repo, manifest)
    assert (release.label, release.entries) == ("v1.0", second)


def test_the_previous_release_of_a_lone_manifest_is_none_and_history_may_be_unavailable(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    commit_manifest(repo, {"a": "1"}, "only")
    commit_manifest(repo, {"a": "1", "b": "2"}, "second")
    assert previous_release(repo, repo / "m.json").entries == {"a": "1"}
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    with pytest.raises(HistoryUnavailable, match="shallow clone"):
        previous_release(shallow, shallow / "m.json")
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "m.json").write_text("{}", encoding="utf-8")
    with pytest.raises(HistoryUnavailable):
        previous_release(loose, loose / "m.json")
    lone = tmp_path / "lone"
    lone.mkdir()
    git(lone, "init", "-q")
    commit_manifest(lone, {"a": "1"}, "only")
    assert previous_release(lone, lone / "m.json") is None


OLD_QUERY = "query OldExampleCount { examples { totalCount } }"
REFUSED_QUERY = "query OldNickname { me { nickname } }"


def write_retained(path: Path, documents: list[str], withdrawn: dict[str, str] | None = None) -> Path:
    body = {"documents": {sha256_hex(text): text for text in documents}, "withdrawn": withdrawn or {}}
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


@pytest.fixture
def retained(tmp_path, settings) -> Path:
    path = write_retained(tmp_path / "released.json", [OLD_QUERY], {sha256_hex(BROKEN): "withdrawn: a test"})
    settings.GRAPHQL_RETAINED_DOCUMENTS = str(path)
    return path


@pytest.mark.usefixtures("retained", "trusted_only")
def test_a_retained_document_of_an_earlier_release_runs_by_id_and_by_text(client, auth):
    by_id = post(client, {"documentId": f"sha256:{sha256_hex(OLD_QUERY)}"}, **auth)
    assert by_id.json() == {"data": {"examples": {"totalCount": 1}}}
    by_text = post(client, {"query": OLD_QUERY}, **auth)
    assert by_text.json() == {"data": {"examples": {"totalCount": 1}}}
    withdrawn = post(client, {"documentId": f"sha256:{sha256_hex(BROKEN)}"}, **auth)
    assert error_of(withdrawn)[:2] == (400, "PERSISTED_QUERY_NOT_FOUND")
    # The generated manifest is served as before.
    assert titles(post(client, {"documentId": f"sha256:{id_of('Examples')}"}, **auth)) == ["Mine"]


def test_a_retained_document_the_schema_refuses_stops_the_start_asking_for_its_withdrawal(tmp_path):
    path = write_retained(tmp_path / "released.json", [OLD_QUERY, REFUSED_QUERY])
    with pytest.raises(
        ManifestError, match=r'operation OldNickname .*nickname.*move it from "documents" to "withdrawn"'
    ):
        load_manifest(MANIFEST, schema, retained=path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps({"documents": {}}), "must be"),
        (json.dumps({"documents": [], "withdrawn": {}}), "must be"),
        (json.dumps({"documents": {}, "withdrawn": {"ab": " "}}), "needs its reason"),
        (json.dumps({"documents": {"ab": "x"}, "withdrawn": {"ab": "why"}}), "both retained and withdrawn"),
        (json.dumps({"documents": {"0" * 64: OLD_QUERY}, "withdrawn": {}}), "not the sha256"),
        ("{not json", "is not valid JSON"),
    ],
)
def test_a_malformed_retained_documents_file_is_refused(tmp_path, content, message):
    path = tmp_path / "released.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        load_manifest(MANIFEST, schema, retained=path)


def test_a_missing_retained_documents_file_is_refused(tmp_path):
    with pytest.raises(
        ManifestError,
        match=r'is missing; run `echo .\{"documents": \{\}, "withdrawn": \{\}\}. > .*absent.json` and `make release-documents`',
    ):
        load_manifest(MANIFEST, schema, retained=tmp_path / "absent.json")


def test_release_documents_adds_the_manifest_and_keeps_earlier_releases(tmp_path, settings):
    manifest = write_manifest(tmp_path / "manifest.json", "query Me { me { id } }", BROKEN)
    path = write_retained(tmp_path / "released.json", [OLD_QUERY], {sha256_hex(BROKEN): "gone"})
    settings.GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST = str(manifest)
    settings.GRAPHQL_RETAINED_DOCUMENTS = str(path)
    call_command("release_documents", stdout=StringIO())
    stored = persisted.read_retained(path)
    expected = {sha256_hex(text): text for text in (OLD_QUERY, "query Me { me { id } }", BROKEN)}
    assert stored.documents == expected
    # A withdrawn document the current manifest holds again is served again.
    assert stored.withdrawn == {}
    call_command("release_documents", stdout=StringIO())
    assert persisted.read_retained(path).documents == expected
