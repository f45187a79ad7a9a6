"""`manage.py seed_demo_data`: demo users and examples, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from api import policy
from api.management.commands.seed_demo_data import DEMO_PASSWORD
from api.models import ExampleModel, Project, ProjectMembership
from tests.helpers import database_state

from .conftest import LIST_URL, all_rows


@pytest.fixture(autouse=True)
def debug_on(settings):
    # The command refuses to run with DEBUG off (see the test that checks it).
    settings.DEBUG = True


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo_data", *args, stdout=out)
    return out.getvalue()


def users() -> list[tuple[str, str]]:
    return list(User.objects.order_by("pk").values_list("username", "email"))


@pytest.mark.django_db
def test_creates_the_requested_users_and_examples():
    seed("--users", "2", "--examples", "3")

    assert users() == [("demo", "demo@example.com"), ("demo2", "demo2@example.com")]
    for user in User.objects.all():
        assert ExampleModel.objects.filter(user=user).count() == 3


@pytest.mark.django_db
def test_running_twice_creates_nothing_new():
    seed("--users", "2", "--examples", "3")
    users_before, rows_before = users(), all_rows()

    output = seed("--users", "2", "--examples", "3")

    assert users() == users_before
    assert all_rows() == rows_before
    assert "(0 new)" in output


@pytest.mark.django_db
def test_larger_numbers_add_only_what_is_missing():
    seed("--users", "1", "--examples", "2")

    seed("--users", "2", "--examples", "4")

    titles = sorted(ExampleModel.objects.filter(user__username="demo").values_list("title", flat=True))
    assert len(titles) == len(set(titles)) == 4
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_demo_login_works_and_sees_the_demo_examples(api_client):
    seed("--users", "2", "--examples", "5")

    login = api_client.post(
        "/api/auth/login/", {"username": "demo", "password": DEMO_PASSWORD}, format="json"
    )
    assert login.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    body = api_client.get(LIST_URL).json()

    # demo's own five, and demo2's example 2, which demo2 put in demo's project.
    assert body["count"] == 6
    assert body["results"][0]["title"] == "Demo example 1: Getting started"
    assert body["results"][0]["id"] in set(
        ExampleModel.objects.filter(user__username="demo").values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_demo_owns_a_project_shared_with_an_editor_and_views_a_third_users():
    seed("--users", "3", "--examples", "4")

    demo, demo2, demo3 = (User.objects.get(username=name) for name in ("demo", "demo2", "demo3"))
    team = Project.objects.get(owner=demo)
    notes = Project.objects.get(owner=demo3)
    assert policy.role_of(team, demo2) == "editor"
    assert policy.role_of(notes, demo) == "viewer"
    assert sorted(team.examples.values_list("user__username", "title")) == [
        ("demo", "Demo example 2: Searching"),
        ("demo", "Demo example 3: Ordering"),
        ("demo2", "Demo example 2: Searching"),
    ]
    assert notes.examples.count() == 2
    assert set(Project.objects.restrict(demo, policy.VIEW)) == {team, notes}
    assert ExampleModel.objects.visible_to(demo).count() == 4 + 1 + 2
    # Each user still has exactly their own examples.
    assert ExampleModel.objects.filter(user=demo2).count() == 4


@pytest.mark.django_db
def test_running_twice_adds_no_projects_or_members():
    seed("--users", "3", "--examples", "4")
    before = database_state()

    seed("--users", "3", "--examples", "4")

    assert database_state() == before
    assert Project.objects.count() == 2 and ProjectMembership.objects.count() == 2


@pytest.mark.django_db
def test_one_user_gets_no_project():
    seed("--users", "1", "--examples", "3")

    assert not Project.objects.exists()


@pytest.mark.django_db
def test_demo_users_have_a_profile():
    seed("--users", "1", "--examples", "0")

    assert User.objects.get(username="demo").profile.display_name == "Demo User"


@pytest.mark.django_db
def test_prints_the_demo_login():
    output = seed("--users", "1", "--examples", "1")

    assert f'Demo login: username "demo", password "{DEMO_PASSWORD}"' in output
    assert "Demo API token: " in output


@pytest.mark.django_db
def test_long_runs_report_progress():
    output = seed("--users", "2", "--examples", "50")

    assert "  10/100 examples (10%)" in output
    assert "  100/100 examples (100%)" in output


@pytest.mark.django_db
def test_short_runs_print_no_progress():
    output = seed("--users", "1", "--examples", "5")

    assert "examples (" not in output


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database():
    output = seed("--if-empty")

    assert User.objects.filter(username="demo").exists()
    assert ExampleModel.objects.exists()
    assert "Demo login" in output


@pytest.mark.django_db
def test_if_empty_leaves_a_database_with_users_alone(user):
    output = seed("--if-empty")

    assert users() == [("alice", "alice@example.com")]
    assert not ExampleModel.objects.exists()
    assert "demo data not loaded" in output


@pytest.mark.django_db
def test_if_empty_still_prints_the_login_of_an_earlier_seed():
    seed("--users", "1", "--examples", "1")
    rows_before = all_rows()

    output = seed("--if-empty")

    assert all_rows() == rows_before
    assert "Demo login" in output


@pytest.mark.django_db
def test_a_changed_demo_password_is_not_printed_as_the_login():
    seed("--users", "1", "--examples", "0")
    demo = User.objects.get(username="demo")
    demo.set_password("something-else-entirely-9")
    demo.save()

    output = seed("--users", "1", "--examples", "0")

    assert "password was changed" in output
    assert DEMO_PASSWORD not in output


@pytest.mark.django_db
def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        seed("--users", "1", "--examples", "1")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_if_empty_with_debug_off_skips_quietly(settings):
    """`make run` with DEBUG=0 still starts the server, only without demo accounts."""
    settings.DEBUG = False

    out = seed("--if-empty")

    assert "demo data not loaded" in out
    assert not User.objects.exists()


@pytest.mark.django_db
def test_force_runs_with_debug_off(settings):
    settings.DEBUG = False

    seed("--users", "1", "--examples", "1", "--force")

    assert ExampleModel.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"), [(["--users", "0"], "--users"), (["--examples", "-1"], "--examples")]
)
def test_bad_numbers_are_refused(args, message):
    with pytest.raises(CommandError, match=message):
        seed(*args)

    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_curl_hint_names_the_servers_address():
    assert "http://127.0.0.1:8000/api/v1/examples/" in seed("--users", "1", "--examples", "0")
    assert "http://0.0.0.0:9123/api/v1/examples/" in seed("--if-empty", "--base-url", "http://0.0.0.0:9123/")


def test_make_run_passes_its_host_and_port_to_the_hint():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        ["make", "-n", "run", "HOST=0.0.0.0", "PORT=9123"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )

    assert "seed_demo_data --if-empty --base-url http://0.0.0.0:9123" in result.stdout
    assert "runserver 0.0.0.0:9123" in result.stdout
