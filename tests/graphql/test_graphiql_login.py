"""A user who is not staff (the demo user) reaches GraphiQL logged in through the browsable API's login form."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_non_staff_user_logs_in_at_api_auth_and_queries_in_graphiql(user, password):
    assert not user.is_staff
    browser = Client(enforce_csrf_checks=True)
    form = browser.get("/api-auth/login/?next=/graphql/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode()).group(1)
    answer = browser.post(
        "/api-auth/login/?next=/graphql/",
        {"username": user.username, "password": password, "next": "/graphql/", "csrfmiddlewaretoken": csrf},
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/graphql/"
    page = browser.get("/graphql/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"graphiql" in page.content.lower()
    # What GraphiQL's fetcher sends: the session cookie and the csrftoken cookie as X-CSRFToken.
    result = browser.post(
        "/graphql/",
        {"query": "{ me { username } }"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert result.json() == {"data": {"me": {"username": user.username}}}
