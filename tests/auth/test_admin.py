import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from authentication.models import Profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, user_factory):
    admin = user_factory(username="root", email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_user_change_page_shows_profile_inline(admin_client, user):
    response = admin_client.get(f"/admin/auth/user/{user.pk}/change/")
    assert response.status_code == 200
    assert b"profile-0-display_name" in response.content or b"profile-0-bio" in response.content


def test_admin_add_user_creates_exactly_one_profile(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "carol",
            "password1": "a-Strong-passphrase-42",
            "password2": "a-Strong-passphrase-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    carol = User.objects.get(username="carol")
    assert Profile.objects.filter(user=carol).count() == 1


def test_admin_lists_tokens(admin_client, user):
    Token.objects.create(user=user)
    response = admin_client.get("/admin/authtoken/tokenproxy/")
    assert response.status_code == 200
    assert b"alice" in response.content
