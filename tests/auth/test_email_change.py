"""A stolen token or session cannot move the account to another address."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail

from graphql_api.schema import schema
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

USER = "/api/auth/user/"
REQUIRED = {"current_password": ["Your current password is required to change the email address."]}
WRONG = {"current_password": ["Your current password was entered incorrectly."]}


def _email_of(user) -> str:
    return User.objects.get(pk=user.pk).email


@pytest.mark.parametrize(
    ("extra", "expected"),
    [({}, REQUIRED), ({"current_password": ""}, None), ({"current_password": "wrong"}, WRONG)],
)
def test_email_change_without_the_right_password_changes_nothing(auth_client, user, extra, expected):
    response = auth_client.patch(USER, {"email": "thief@example.com", "first_name": "Mallory", **extra})
    assert response.status_code == 400
    assert list(response.json()) == ["current_password"]
    if expected is not None:
        assert response.json() == expected
    user.refresh_from_db()
    assert (user.email, user.first_name) == ("alice@example.com", "")
    assert mail.outbox == []


def test_email_change_with_the_password_changes_it_and_notifies_the_old_address(auth_client, user):
    response = auth_client.patch(USER, {"email": "alice@new.example", "current_password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["email"] == "alice@new.example"
    assert "current_password" not in response.json()
    assert _email_of(user) == "alice@new.example"
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["alice@example.com"]
    assert "alice@new.example" in notice.body
    assert "did not" in notice.body


def test_a_session_caller_needs_the_password_too(client, user):
    client.force_login(user)
    response = client.patch(USER, {"email": "thief@example.com"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == REQUIRED
    assert _email_of(user) == "alice@example.com"


def test_other_fields_and_the_unchanged_email_need_no_password(auth_client, user):
    response = auth_client.patch(
        USER, {"email": "alice@example.com", "first_name": "Alice", "username": "ally"}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email, user.first_name, user.username) == ("alice@example.com", "Alice", "ally")
    assert mail.outbox == []


def test_a_taken_address_is_not_revealed_without_the_password(auth_client, other_user):
    # The password is checked first: probing with a stolen token learns nothing.
    response = auth_client.patch(USER, {"email": "bob@example.com", "current_password": "wrong"})
    assert response.json() == WRONG
    response = auth_client.patch(USER, {"email": "bob@example.com"})
    assert response.json() == REQUIRED


def test_wrong_password_with_a_field_error_names_the_field(auth_client):
    response = auth_client.patch(USER, {"email": "not-an-email", "current_password": "wrong"})
    assert response.status_code == 400
    assert "email" in response.json()


def test_no_graphql_mutation_can_change_an_email():
    """Every mutation argument and input field, now and for the next model: none is an email."""
    mutation = schema._schema.mutation_type
    assert mutation is not None
    seen: set[str] = set()

    def input_fields(type_) -> None:
        while hasattr(type_, "of_type"):
            type_ = type_.of_type
        if type_.name in seen or not hasattr(type_, "fields"):
            return
        seen.add(type_.name)
        for name, field in type_.fields.items():
            assert "email" not in name.lower(), f"{type_.name}.{name}"
            input_fields(field.type)

    for name, field in mutation.fields.items():
        for arg_name, arg in field.args.items():
            assert "email" not in arg_name.lower(), f"{name}({arg_name})"
            input_fields(arg.type)
    assert "ProfileInput" in seen  # the walk reached the inputs
