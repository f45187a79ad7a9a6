"""One identity per login on Django's built-in User.

- The database refuses two usernames, or two non-empty emails, that differ
  only in case (expression indexes of authentication migration 0002).
- No username contains "@", whichever way it is written: register, PATCH
  user/, the admin's forms, createsuperuser, the ORM.
- A login identifier with "@" is looked up by email only; one without, by
  username only.
- Migration 0003 rewrites old usernames with "@" to free ones.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from rest_framework.authtoken.models import Token

from authentication.identity import USERNAME_HAS_AT, free_username
from authentication.services import derive_username
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
LOGIN = "/api/auth/login/"
ME = "/api/auth/user/"
STRONG = "a-Strong-passphrase-42"

rewrite_usernames_with_at = importlib.import_module(
    "authentication.migrations.0003_usernames_without_at"
).rewrite_usernames_with_at


def _force_username(user: User, username: str) -> None:
    """Write a username as a row from before the rule would hold it (bypasses every save hook)."""
    User.objects.filter(pk=user.pk).update(username=username)


# The database's case-insensitive uniqueness


def test_the_indexes_exist_on_auth_user():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "auth_user")
    for name in ("auth_user_username_lower_uniq", "auth_user_email_lower_uniq"):
        assert name in constraints, sorted(constraints)
        assert constraints[name]["unique"] is True


@pytest.mark.parametrize("username", ["ALICE", "Alice", "alicE"])
def test_the_database_refuses_a_username_differing_only_in_case(user, username):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username=username, email="other@example.com")


@pytest.mark.parametrize("email", ["ALICE@example.com", "alice@EXAMPLE.COM"])
def test_the_database_refuses_an_email_differing_only_in_case(user, email):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="other", email=email)


def test_many_users_may_have_no_email(user_factory):
    user_factory(username="first", email="")
    user_factory(username="second", email="")
    assert User.objects.filter(email="").count() == 2


# No "@" in usernames


@pytest.mark.parametrize("username", ["ada@example.com", "ada@", "@ada", "a@b"])
def test_register_refuses_a_username_with_at(api_client, username):
    response = api_client.post(
        REGISTER, {"email": "ada@example.com", "password": STRONG, "username": username}
    )
    assert response.status_code == 400
    assert response.json() == {"username": [USERNAME_HAS_AT]}
    assert not User.objects.exists()


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_register_refuses_another_users_email_as_username(api_client, user, case):
    response = api_client.post(
        REGISTER, {"email": "mallory@example.com", "password": STRONG, "username": case("alice@example.com")}
    )
    assert response.status_code == 400
    assert response.json() == {"username": [USERNAME_HAS_AT]}
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]


def test_patch_user_refuses_a_username_with_at(api_client, user, other_user):
    api_client.force_authenticate(other_user)
    response = api_client.patch(ME, {"username": "ALICE@example.com"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"username": [USERNAME_HAS_AT]}
    other_user.refresh_from_db()
    assert other_user.username == "bob"


def test_the_service_refuses_a_username_with_at_without_the_serializer(user):
    from authentication.services import user_register, user_update

    with pytest.raises(ValidationError) as raised:
        user_update(user=user, data={"username": "x@y"})
    assert raised.value.message_dict == {"username": [USERNAME_HAS_AT]}
    with pytest.raises(ValidationError) as raised:
        user_register(email="new@example.com", password=STRONG, username="new@example.com")
    assert raised.value.message_dict == {"username": [USERNAME_HAS_AT]}
    assert User.objects.count() == 1


def test_no_save_writes_a_username_with_at():
    with pytest.raises(ValidationError) as raised:
        User.objects.create_user(username="eve@example.com", email="eve@example.com", password=STRONG)
    assert raised.value.message_dict == {"username": [USERNAME_HAS_AT]}
    assert not User.objects.exists()


def test_a_save_that_leaves_the_username_alone_is_not_checked(user):
    # last_login and friends are saved with update_fields: an old row still logs in.
    _force_username(user, "old@name")
    user.refresh_from_db()
    user.first_name = "Alice"
    user.save(update_fields=["first_name"])
    assert User.objects.get(pk=user.pk).first_name == "Alice"


@pytest.mark.parametrize(
    "email",
    ["ada@example.com", "ada+tag@example.com", "@example.com", "a@b@example.com", "Ünï.cødé@example.com"],
)
def test_derived_usernames_never_contain_at(email):
    username = derive_username(email)
    assert "@" not in username
    assert username


def test_register_without_username_derives_one_without_at(api_client, user_factory):
    user_factory(username="ada", email="someone@example.org")
    response = api_client.post(REGISTER, {"email": "ada@example.com", "password": STRONG})
    assert response.status_code == 201
    assert response.json()["user"]["username"] == "ada2"


def test_createsuperuser_refuses_a_username_with_at():
    with pytest.raises(CommandError, match="cannot contain '@'"):
        call_command(
            "createsuperuser",
            interactive=False,
            username="root@example.com",
            email="root@example.com",
            verbosity=0,
        )
    assert not User.objects.exists()


def test_createsuperuser_still_works(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG)
    call_command("createsuperuser", interactive=False, username="root", email="root@example.com", verbosity=0)
    root = User.objects.get()
    assert root.is_superuser and root.profile is not None


# The admin's forms


@pytest.fixture
def admin_client(client, user_factory):
    admin = user_factory(username="root", email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def _admin_change_data(user: User, **changes) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-id": str(user.profile.pk),
        "profile-0-user": str(user.pk),
        "profile-0-display_name": "",
        "profile-0-bio": "",
        "profile-0-timezone": "UTC",
        **changes,
    }


def test_admin_add_form_refuses_a_username_with_at(admin_client, user):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "alice@example.com",
            "password1": STRONG,
            "password2": STRONG,
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert USERNAME_HAS_AT in response.context["adminform"].form.errors["username"]
    assert not User.objects.filter(username__contains="@").exists()


def test_admin_add_form_refuses_a_username_differing_only_in_case(admin_client, user):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "ALICE", "password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"]
    assert User.objects.filter(username__iexact="alice").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "bob@example.com"}, "username"),
        ({"username": "BOB"}, "username"),
        ({"email": "BOB@example.com"}, "email"),
    ],
)
def test_admin_change_form_refuses_a_second_identity(admin_client, user, other_user, changes, field):
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", _admin_change_data(user, **changes))
    assert response.status_code == 200, response.status_code
    assert response.context["adminform"].form.errors[field]
    user.refresh_from_db()
    assert (user.username, user.email) == ("alice", "alice@example.com")


def test_admin_change_form_still_saves(admin_client, user):
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/", _admin_change_data(user, first_name="Al")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.first_name == "Al"


# Logins: "@" means email


def test_login_with_at_reaches_the_emails_owner_even_if_a_username_equals_it(api_client, user, other_user):
    """The attack of the issue, on a row from before the rule: bob's username is alice's email."""
    _force_username(other_user, "ALICE@example.com")
    for body in ({"username": "alice@example.com"}, {"email": "alice@example.com"}):
        response = api_client.post(LOGIN, {**body, "password": PASSWORD})
        assert response.status_code == 200, response.json()
        assert response.json()["user_id"] == user.pk
    # bob's old username is no way in: it is looked up as an email, and it is alice's.
    bob = api_client.post(LOGIN, {"username": "ALICE@example.com", "password": PASSWORD})
    assert bob.json()["user_id"] == user.pk


def test_login_without_at_is_by_username_only(api_client, user, other_user):
    _force_username(other_user, "bobby")
    User.objects.filter(pk=user.pk).update(email="bobby")  # not an address; only old rows could hold it
    response = api_client.post(LOGIN, {"username": "bobby", "password": PASSWORD})
    assert response.json()["user_id"] == other_user.pk


def test_login_by_username_ignores_case(api_client, user):
    response = api_client.post(LOGIN, {"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["user_id"] == user.pk


# The data migration


def test_the_migration_rewrites_usernames_with_at_to_free_names(user_factory):
    ada = user_factory(username="ada-tmp", email="ada@example.com")
    taken = user_factory(username="ada", email="someone@example.com")
    grace = user_factory(username="grace-tmp", email="grace@example.com")
    empty = user_factory(username="empty-tmp", email="empty@example.com")
    plain = user_factory(username="plain", email="plain@example.com")
    _force_username(ada, "ADA@example.com")
    _force_username(grace, "grace@example.com")
    _force_username(empty, "@")

    rewrite_usernames_with_at(apps, SimpleNamespace(connection=connection))

    names = dict(User.objects.values_list("pk", "username"))
    assert names == {ada.pk: "ADA2", taken.pk: "ada", grace.pk: "grace", empty.pk: "user", plain.pk: "plain"}
    assert not User.objects.filter(username__contains="@").exists()
    # Everyone still logs in; the rewritten by their email (or new username).
    assert User.objects.get(pk=ada.pk).check_password(PASSWORD)


def test_the_migration_does_nothing_on_users_without_at(user, other_user):
    before = list(User.objects.order_by("pk").values_list("pk", "username"))
    rewrite_usernames_with_at(apps, SimpleNamespace(connection=connection))
    assert list(User.objects.order_by("pk").values_list("pk", "username")) == before


def test_free_username_keeps_the_local_part_and_counts_up():
    taken = {"ada", "ada2"}
    assert free_username("Ada@x.org", lambda name: name.lower() in taken) == "Ada3"
    assert free_username("", lambda name: False) == "user"
    assert len(free_username("x" * 300 + "@x.org", lambda name: False)) <= 150


def test_with_the_demo_data_the_demo_users_email_login_reaches_the_demo_user(api_client):
    """The issue's reproduction: another demo user renames themself to the demo user's email."""
    from api.management.commands.seed_demo_data import DEMO_PASSWORD

    call_command("seed_demo_data", "--users", "2", "--examples", "1", "--force", verbosity=0)
    demo, demo2 = User.objects.get(username="demo"), User.objects.get(username="demo2")
    api_client.force_authenticate(demo2)
    rename = api_client.patch(ME, {"username": demo.email.upper()}, format="json")
    assert rename.status_code == 400
    api_client.force_authenticate(None)
    login = api_client.post(LOGIN, {"username": demo.email, "password": DEMO_PASSWORD}, format="json")
    assert login.status_code == 200
    assert login.json()["user_id"] == demo.pk
    assert login.json()["token"] == Token.objects.get(user=demo).key


def test_other_bad_username_characters_keep_their_own_message(api_client):
    response = api_client.post(
        REGISTER, {"email": "ada@example.com", "password": STRONG, "username": "ada lovelace"}
    )
    assert response.status_code == 400
    [message] = response.json()["username"]
    assert message.startswith("Enter a valid username.")
    assert "@" not in message.split("characters")[0]


def test_the_openapi_document_tells_clients_usernames_have_no_at():
    schemas = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text())["components"]["schemas"]
    patterns = {
        name: schema["properties"]["username"].get("pattern")
        for name, schema in schemas.items()
        if "username" in schema.get("properties", {}) and not schema["properties"]["username"].get("readOnly")
    }
    assert patterns["RegisterRequest"] == r"^[\w.+-]+$", patterns
    assert patterns["PatchedUserUpdateRequest"] == r"^[\w.+-]+$", patterns
