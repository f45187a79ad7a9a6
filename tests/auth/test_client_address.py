"""One rule for the client address, and throttles an attacker cannot step around."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from authentication.throttles import client_address

LOGIN = "/api/auth/login/"
WRONG = {"username": "alice", "password": "wrong"}


def _request(remote: str = "203.0.113.9", xff: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


@override_settings(NUM_PROXIES=0)
@pytest.mark.parametrize("xff", [None, "1.1.1.1", "1.1.1.1, 2.2.2.2", "", "garbage"])
def test_no_trusted_proxy_means_the_connecting_address(xff):
    assert client_address(_request(xff=xff)) == "203.0.113.9"


@pytest.mark.parametrize(
    ("proxies", "xff", "expected"),
    [
        (1, "1.1.1.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the left part was written by the client
        (1, "6.6.6.6,1.1.1.1 ", "1.1.1.1"),
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.1", "1.1.1.1"),
        (2, "1.1.1.1", "203.0.113.9"),  # fewer hops than proxies: the connecting address
        (1, "", "203.0.113.9"),
        (1, None, "203.0.113.9"),
        (1, " , ", "203.0.113.9"),
    ],
)
def test_n_proxies_means_the_nth_address_from_the_right(proxies, xff, expected):
    with override_settings(NUM_PROXIES=proxies):
        assert client_address(_request(xff=xff)) == expected


def test_drf_is_never_told_none(settings):
    # None made DRF key on the whole X-Forwarded-For header.
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.NUM_PROXIES == 0


@pytest.mark.django_db
@override_settings(AUTH_THROTTLE_RATE="3/min", NUM_PROXIES=0)
@pytest.mark.parametrize(
    ("url", "body"),
    [
        (LOGIN, WRONG),
        ("/api/auth/register/", {"email": "bad"}),
        ("/api/auth/password/reset/", {"email": "a@example.com"}),
    ],
)
def test_rotating_x_forwarded_for_is_still_throttled(api_client, user, url, body):
    codes = [api_client.post(url, body, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(5)]
    assert 429 not in codes[:3]
    assert codes[3:] == [429, 429]


@pytest.mark.django_db
@override_settings(AUTH_THROTTLE_RATE="2/min", NUM_PROXIES=1)
def test_behind_one_proxy_the_right_most_address_counts(api_client, user):
    # The client varies the left part; the proxy's entry (right-most) stays.
    codes = [
        api_client.post(LOGIN, WRONG, HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 198.51.100.7").status_code
        for i in range(3)
    ]
    assert codes == [400, 400, 429]
    # Another real client behind the same proxy has its own count.
    assert api_client.post(LOGIN, WRONG, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 400
    assert cache.get("throttle_login_198.51.100.7") is not None
