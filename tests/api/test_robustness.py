"""Whatever a client sends, the answer is a 2xx or a 4xx, never a 500.

Property tests (Hypothesis), derandomized so every run tries the same cases.
"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import LIST_URL, detail_url, duplicate_url

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    # The db-backed fixtures are set up once per test; no example depends on a fresh one.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

query_strings = st.dictionaries(
    st.sampled_from(["limit", "offset", "search", "ordering", "created_after", "created_before"]),
    st.text(max_size=40),
    max_size=4,
)
# JSON cannot carry NaN or infinities (the client would refuse to encode them).
finite = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
bodies = json_values | st.dictionaries(
    st.sampled_from(["title", "content", "id", "user", "created_at"]), json_values, max_size=5
)


@FUZZ
@given(query=query_strings)
def test_list_parameters_answer_200_or_400(auth_client, example, query):
    response = auth_client.get(LIST_URL, query)

    assert response.status_code in (200, 400), (query, response.content[:200])
    assert isinstance(response.json(), dict)


@FUZZ
@given(body=bodies, method=st.sampled_from(["post", "put", "patch"]))
def test_bodies_answer_2xx_or_400(auth_client, example, body, method):
    url = LIST_URL if method == "post" else detail_url(example.pk)

    response = getattr(auth_client, method)(url, body, format="json")

    assert response.status_code in (200, 201, 400), (body, response.content[:200])


@FUZZ
@given(raw=st.text(max_size=30), method=st.sampled_from(["get", "put", "patch", "delete", "options"]))
def test_any_id_answers_below_500(auth_client, example, raw, method):
    response = getattr(auth_client, method)(detail_url(quote(raw, safe="")), {"title": "x"}, format="json")

    assert response.status_code < 500, (raw, method)


@FUZZ
@given(raw=st.text(max_size=30))
def test_any_id_to_duplicate_answers_below_500(auth_client, example, raw):
    response = auth_client.post(duplicate_url(quote(raw, safe="")))

    assert response.status_code < 500, raw


def test_non_standard_json_constants_are_400(auth_client):
    response = auth_client.post(LIST_URL, '{"title": NaN}', content_type="application/json")

    assert response.status_code == 400
