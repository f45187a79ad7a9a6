"""A Python client generated from the committed openapi.yaml, driven against a real server.

openapi-python-client (pinned in requirements-dev.txt) generates a client
into a temp folder (never committed); the generation must print no warning
about the document, every generated module must import, and the client then
goes through a user's day against gunicorn with production settings:
register, log in, create, list with a two-key ordering, update, a 404,
delete, log out. The document's error responses are shared components, so
the client has two error models (``Error``, ``ValidationError``), not one
per operation and status.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import BIN, ROOT

PACKAGE = "generated_backend_client"


@pytest.fixture(scope="module")
def generation(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("client")
    config = out / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\n", encoding="utf-8")
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "openapi.yaml"),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(out / PACKAGE),
        ],
        cwd=out,
        # Its post-generation hooks run ruff (a dev tool of ours) from PATH.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return out, result.stdout + result.stderr, result.returncode


@pytest.fixture(scope="module")
def client_package(generation) -> ModuleType:
    out, output, returncode = generation
    assert returncode == 0, output
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_the_generator_has_no_warning_about_the_document(generation):
    _, output, returncode = generation

    assert returncode == 0, output
    warnings = [
        line for line in output.splitlines() if "warning" in line.lower() or "unable to" in line.lower()
    ]
    assert warnings == [], output


def test_every_generated_module_imports(client_package):
    names = [info.name for info in pkgutil.walk_packages(client_package.__path__, f"{PACKAGE}.")]

    modules = [importlib.import_module(name) for name in names]

    assert len(modules) > 40
    assert f"{PACKAGE}.api.examples.v1_examples_list" in names


def test_errors_are_two_shared_models(client_package):
    models = Path(client_package.__file__).parent / "models"
    names = sorted(path.stem for path in models.glob("*.py") if path.stem != "__init__")

    assert {"error", "validation_error"} <= set(names)
    # Before the shared components: v1_examples_create_response_400_type_0 and ~120 like it.
    assert [name for name in names if "_response_" in name] == []
    # 150 before (about 120 of them one-off error models); 30 when the errors were shared.
    assert len(names) <= 60, names


@pytest.fixture(scope="module")
def server(start_server):
    return start_server()


def test_a_users_day_through_the_generated_client(client_package, server):
    from generated_backend_client import AuthenticatedClient, Client
    from generated_backend_client.api.auth import auth_login_create, auth_logout_create, auth_register_create
    from generated_backend_client.api.examples import (
        v1_examples_create,
        v1_examples_destroy,
        v1_examples_list,
        v1_examples_partial_update,
        v1_examples_retrieve,
    )
    from generated_backend_client.models import (
        Error,
        ExampleModel,
        ExampleModelRequest,
        LoginRequest,
        LoginResponse,
        PaginatedExampleModelList,
        PatchedExampleModelRequest,
        RegisterRequest,
        TokenUser,
        ValidationError,
    )

    name = f"gen{uuid.uuid4().hex[:10]}"
    password = "generated-client-Pa55word!"
    with Client(base_url=server.url, raise_on_unexpected_status=True) as anonymous:
        registered = auth_register_create.sync_detailed(
            client=anonymous,
            body=RegisterRequest(email=f"{name}@example.com", password=password, username=name),
        )
        assert registered.status_code == 201, registered.content
        assert isinstance(registered.parsed, TokenUser)

        logged_in = auth_login_create.sync_detailed(
            client=anonymous, body=LoginRequest(username=name, password=password)
        )
        assert logged_in.status_code == 200, logged_in.content
        assert isinstance(logged_in.parsed, LoginResponse)
        token = logged_in.parsed.token

    with AuthenticatedClient(
        base_url=server.url, token=token, prefix="Token", raise_on_unexpected_status=True
    ) as client:
        created = [
            v1_examples_create.sync(
                client=client, body=ExampleModelRequest(title=title, content="from the client")
            )
            for title in ("b", "a", "b")
        ]
        assert all(isinstance(example, ExampleModel) for example in created)

        page = v1_examples_list.sync(client=client, ordering="title,-created_at")
        assert isinstance(page, PaginatedExampleModelList)
        assert page.count == 3
        assert [row.id for row in page.results] == [created[1].id, created[2].id, created[0].id]

        refused = v1_examples_list.sync_detailed(client=client, ordering="title,owner")
        assert refused.status_code == 400
        assert isinstance(refused.parsed, ValidationError)
        assert "owner" in refused.parsed.additional_properties["ordering"][0]

        updated = v1_examples_partial_update.sync(
            created[0].id, client=client, body=PatchedExampleModelRequest(title="c")
        )
        assert isinstance(updated, ExampleModel)
        assert updated.title == "c"
        assert v1_examples_retrieve.sync(created[0].id, client=client).title == "c"

        missing = v1_examples_retrieve.sync_detailed(2**40, client=client)
        assert missing.status_code == 404
        assert isinstance(missing.parsed, Error)
        assert missing.parsed.detail == "Not found."

        deleted = v1_examples_destroy.sync_detailed(created[1].id, client=client)
        assert deleted.status_code == 204
        assert v1_examples_retrieve.sync_detailed(created[1].id, client=client).status_code == 404

        logged_out = auth_logout_create.sync_detailed(client=client)
        assert logged_out.status_code == 204

        after = v1_examples_list.sync_detailed(client=client)
        assert after.status_code == 401
        assert isinstance(after.parsed, Error)
        assert after.headers["WWW-Authenticate"] == "Token"
