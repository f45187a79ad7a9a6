"""Rotating SECRET_KEY with SECRET_KEY_FALLBACKS keeps what the old key signed valid.

Sessions, password-reset links and cursors are signed with SECRET_KEY; a
deployment rotates it by moving the old key to SECRET_KEY_FALLBACKS (read
from the environment). Without the fallback, the same three are refused:
the test shows the rotation is what keeps them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD, ExampleFactory

ROOT = Path(__file__).resolve().parents[2]
OLD_KEY = "old-key-" + "o" * 50
NEW_KEY = "new-key-" + "n" * 50
LIST_URL = "/api/v1/examples/"


def _signed_with_old_key(user) -> dict[str, str]:
    """A logged-in session, a reset token and a cursor, all made under OLD_KEY."""
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        client = APIClient(enforce_csrf_checks=False)
        assert client.login(username=user.username, password=PASSWORD)
        ExampleFactory.create_batch(3, user=user)
        page = client.get(LIST_URL, {"cursor": "", "limit": 1}).json()
        return {
            "session": client.cookies["sessionid"].value,
            "token": default_token_generator.make_token(user),
            "cursor": parse_qs(urlsplit(page["next"]).query)["cursor"][0],
        }


def _still_valid(user, signed: dict[str, str]) -> dict[str, bool]:
    client = APIClient()
    client.cookies["sessionid"] = signed["session"]
    return {
        "session": client.get("/api/auth/user/").status_code == 200,
        "token": default_token_generator.check_token(user, signed["token"]),
        "cursor": client.get(LIST_URL, {"cursor": signed["cursor"], "limit": 1}).status_code == 200,
    }


@pytest.mark.django_db
def test_the_old_key_as_a_fallback_keeps_sessions_reset_links_and_cursors(user):
    signed = _signed_with_old_key(user)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert _still_valid(user, signed) == {"session": True, "token": True, "cursor": True}


@pytest.mark.django_db
def test_without_the_fallback_a_new_key_refuses_them(user):
    signed = _signed_with_old_key(user)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert _still_valid(user, signed) == {"session": False, "token": False, "cursor": False}


def test_the_fallbacks_are_read_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        SECRET_KEY_FALLBACKS=f"{OLD_KEY}, second-old-key",
        DJANGO_SETTINGS_MODULE="backend.settings.development",
    )
    code = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr([OLD_KEY, "second-old-key"])
