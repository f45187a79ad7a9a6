"""The cursors of a deep page, for the cursor entries of ``benchmarks.endpoints``.

A cursor is signed with ``SECRET_KEY`` and bound to the caller and the query
(api.keyset), so it cannot be written into the endpoint list: ``benchmarks.seed``
walks to the page through the API itself (the same settings and key as the
servers it measures) and stores the path and the cursor in the fixture.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

# The cursor entries' page size and depth: the 50th page of 20.
PAGE = 20
DEPTH = 50
CONNECTION_QUERY = (
    "query Page($after: String) { examplesConnection(first: %d, after: $after) "
    "{ edges { node { %s } } pageInfo { hasNextPage endCursor } } }"
)


def deep_cursors(token: str, fields_gql: str, *, page: int = PAGE, depth: int = DEPTH) -> dict[str, str]:
    """``{"rest_path": <the depth-th page's path>, "graphql_after": <its after cursor>}``."""
    from django.test import Client

    client = Client()
    headers = {"Authorization": f"Token {token}"}
    link = f"/api/v1/examples/?cursor=&limit={page}"
    for _ in range(depth - 1):
        response = client.get(link, headers=headers)
        assert response.status_code == 200, response.content[:300]
        next_link = response.json()["next"]
        assert next_link, "fewer rows than the cursor entries need"
        parts = urlsplit(next_link)
        link = f"{parts.path}?{parts.query}"
    after = None
    query = CONNECTION_QUERY % (page, fields_gql)
    for _ in range(depth - 1):
        body = json.dumps({"query": query, "variables": {"after": after}})
        response = client.post("/graphql/", body, content_type="application/json", headers=headers)
        data = response.json()
        assert "errors" not in data, data
        after = data["data"]["examplesConnection"]["pageInfo"]["endCursor"]
    return {"rest_path": link, "graphql_after": after}
