"""A live socket ends with its credentials (authentication.revocation, graphql_api.live).

Every scenario opens sockets of the same user with different credentials
(a token, two sessions) and one of another user, ends one credential the way
a client or an admin would, and then requires: the sockets of that credential
close with 4403; every other socket still answers a ``ping`` with ``pong``
(graphql-transport-ws), which is the proof that it stayed open, not a timeout.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import Client, override_settings

from authentication import revocation, services
from tests.factories import UserFactory, token_for

from .sockets import Socket

pytestmark = pytest.mark.django_db

FORBIDDEN = 4403
STRONG = "a-Strong-passphrase-42"


@pytest.fixture
def people(db):
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    ada.set_password(STRONG)
    ada.save()
    first, second = Client(), Client()
    first.force_login(ada)
    second.force_login(ada)
    return {
        "ada": ada,
        "bob": bob,
        "first": first,
        "second": second,
        "ada_token": token_for(ada),
        "bob_token": token_for(bob),
    }


def _cookie(client: Client) -> str:
    return f"sessionid={client.cookies['sessionid'].value}"


async def _sockets(people) -> dict[str, Socket]:
    return {
        "ada_token": await Socket.ready(people["ada_token"]),
        "ada_first": await Socket.ready(cookie=_cookie(people["first"])),
        "ada_second": await Socket.ready(cookie=_cookie(people["second"])),
        "bob_token": await Socket.ready(people["bob_token"]),
    }


async def _still_open(socket: Socket) -> bool:
    await socket.send({"type": "ping"})
    return await socket.receive() == {"type": "pong"}


async def _outcome(sockets: dict[str, Socket], closed: set[str]) -> dict[str, str]:
    """Each socket's state: "4403" for the ones expected closed, "open" for the others (checked by ping)."""
    seen = {}
    for name, socket in sockets.items():
        if name in closed:
            seen[name] = str(await socket.closed_with())
        else:
            seen[name] = "open" if await _still_open(socket) else "silent"
            await socket.close()
    return seen


def run(coroutine_function):
    async_to_sync(coroutine_function)()


def test_deleting_a_token_closes_the_sockets_it_opened(people, write):
    async def scenario():
        sockets = await _sockets(people)
        await write(lambda: services.token_revoke(people["ada"].auth_token))
        assert await _outcome(sockets, {"ada_token"}) == {
            "ada_token": "4403",
            "ada_first": "open",
            "ada_second": "open",
            "bob_token": "open",
        }

    run(scenario)


def test_logging_out_closes_that_sessions_sockets_only(people, write):
    async def scenario():
        sockets = await _sockets(people)
        # The REST logout with the session's cookie: it ends that session; the token is
        # deleted only when the caller used it.
        response = await write(lambda: people["first"].post("/api/auth/logout/"))
        assert response.status_code == 204
        assert await _outcome(sockets, {"ada_first"}) == {
            "ada_token": "open",
            "ada_first": "4403",
            "ada_second": "open",
            "bob_token": "open",
        }

    run(scenario)


def test_a_password_change_closes_every_socket_whose_credentials_it_ended(people, write):
    async def scenario():
        sockets = await _sockets(people)
        await write(
            lambda: services.password_change(
                user=people["ada"], old_password=STRONG, new_password=STRONG + "!"
            )
        )
        # The token is rotated; both sessions carry the old password's hash.
        assert await _outcome(sockets, {"ada_token", "ada_first", "ada_second"}) == {
            "ada_token": "4403",
            "ada_first": "4403",
            "ada_second": "4403",
            "bob_token": "open",
        }

    run(scenario)


def test_deactivating_a_user_closes_all_their_sockets(people, write):
    def deactivate():
        people["ada"].is_active = False
        people["ada"].save()  # a full save, as the admin makes

    async def scenario():
        sockets = await _sockets(people)
        await write(deactivate)
        assert await _outcome(sockets, {"ada_token", "ada_first", "ada_second"}) == {
            "ada_token": "4403",
            "ada_first": "4403",
            "ada_second": "4403",
            "bob_token": "open",
        }

    run(scenario)


def test_saves_that_end_no_credential_close_nothing(people, write):
    def edit():
        people["ada"].first_name = "Ada"
        people["ada"].save(update_fields=["first_name"])  # not a credential: no announcement
        people["ada"].save()  # a full save: every socket checks again, and passes

    async def scenario():
        sockets = await _sockets(people)
        await write(edit)
        assert set((await _outcome(sockets, set())).values()) == {"open"}

    run(scenario)


def test_a_session_signed_with_a_fallback_key_stays_valid_and_keeps_its_key(people):
    session_key = people["first"].cookies["sessionid"].value
    with override_settings(SECRET_KEY="rotated-" + "k" * 50, SECRET_KEY_FALLBACKS=[_current_secret()]):
        assert revocation.still_valid(revocation.SESSION, session_key, people["ada"].pk)
    # django.contrib.auth.get_user would have cycled the key (and logged the browser out).
    assert people["first"].get("/api/auth/user/").status_code == 200


def test_still_valid_refuses_what_a_request_would_refuse(people):
    ada = people["ada"]
    session_key = people["first"].cookies["sessionid"].value
    assert revocation.still_valid(revocation.SESSION, session_key, ada.pk)
    assert not revocation.still_valid(revocation.SESSION, session_key, people["bob"].pk)
    assert not revocation.still_valid(revocation.SESSION, "no-such-session", ada.pk)
    assert revocation.still_valid(revocation.TOKEN, people["ada_token"], ada.pk)
    assert not revocation.still_valid(revocation.TOKEN, people["bob_token"], ada.pk)
    ada.is_active = False
    ada.save()
    assert not revocation.still_valid(revocation.SESSION, session_key, ada.pk)
    assert not revocation.still_valid(revocation.TOKEN, people["ada_token"], ada.pk)


def _current_secret() -> str:
    from django.conf import settings

    return settings.SECRET_KEY
