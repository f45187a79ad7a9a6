"""A cursor page is an index range scan on PostgreSQL, at any depth (`make test-postgres`).

The plan of the 50th page's query is read with EXPLAIN: it must walk an index
on (user_id, key, id) from the cursor's position (an Index Cond on the key),
never scan the table nor sort it. On SQLite these tests are skipped (the
planner is another one); every other cursor test runs on both.

The served pages (REST and GraphQL, offset and cursor, examples, projects
and members) go through the policy: its read condition "mine OR in my
projects" alone is a BitmapOr that cannot be walked in key order.
``api.policy.ordered_page`` reads each of the policy's branches from its own
index in the page's order, limited, with the cursor's keyset in every
branch; ``count_rows`` counts each branch from an index. The plans are read
with EXPLAIN ANALYZE: no table is read by a Seq Scan or a BitmapOr, the
caller's own rows come from an index walked in the page's order, and no Sort reads more
rows than the branches' limits (never the caller's thousand rows).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import keyset
from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from tests.factories import UserFactory, token_for
from tests.helpers import client_with_token

pytestmark = pytest.mark.postgres

PAGE = 20
DEPTH = 50
INDEXES = {"created_at": "example_user_newest_idx", "updated_at": "example_user_updated_idx"}


def seed(owner, others) -> None:
    ExampleModel.objects.bulk_create(
        ExampleModel(user=user, title=f"Row {n}", content="")
        for user, count in ((owner, PAGE * (DEPTH + 10)), *((other, 2000) for other in others))
        for n in range(count)
    )
    with connection.cursor() as cursor:
        # Distinct, realistic times (bulk_create gives nearly one instant), a few ties,
        # and an edit for some rows; then fresh statistics for the planner.
        cursor.execute(
            "UPDATE api_examplemodel SET created_at = now() - (id / 3) * interval '1 second', "
            "updated_at = now() - (id / 3) * interval '1 second' "
            "+ CASE WHEN id % 7 = 0 THEN interval '1 day' ELSE interval '0' END"
        )
        cursor.execute("ANALYZE api_examplemodel")


def plan_of(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        return cursor.fetchone()[0][0]["Plan"]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def page_query(queryset, order: keyset.KeyOrder, position: keyset.Position) -> str:
    with CaptureQueriesContext(connection) as captured:
        keyset.keyset_slice(queryset, order, size=PAGE, after=position)
    [query] = captured.captured_queries
    return query["sql"]


def assert_index_range(plan: dict, field: str, *, descending: bool) -> None:
    """The page's rows come from one ordered index range on (user_id, key, id): no sort, no table scan."""
    examples = [node for node in nodes(plan) if node.get("Relation Name") == "api_examplemodel"]
    assert [node["Node Type"] for node in examples] == ["Index Scan"], plan
    [scan] = examples
    assert scan["Index Name"] == INDEXES[field], plan
    # Descending keys walk the (…, -key, -id) index forward, ascending ones backward.
    assert scan["Scan Direction"] == ("Forward" if descending else "Backward"), plan
    assert field in scan["Index Cond"] and "user_id" in scan["Index Cond"], plan
    assert not any(node["Node Type"] in ("Sort", "Incremental Sort") for node in nodes(plan)), plan
    assert plan["Node Type"] == "Limit"


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
@pytest.mark.parametrize("descending", [True, False])
def test_the_50th_page_is_an_index_range_scan(db, field, descending):
    owner = UserFactory()
    seed(owner, [UserFactory() for _ in range(3)])
    order = keyset.KeyOrder(field, descending=descending)
    rows = ExampleModel.objects.filter(user=owner).order_by(*order.order_by())
    last_of_49 = rows.values(field, "id")[PAGE * (DEPTH - 1) - 1]
    position = keyset.Position(key=last_of_49[field], id=last_of_49["id"])

    plan = plan_of(page_query(ExampleModel.objects.filter(user=owner), order, position))

    assert_index_range(plan, field, descending=descending)


def served_page_sql(client, first: str, follow) -> str:
    """The page query of the 50th page, walked to by the surface's own links or cursors."""
    after = first
    for _ in range(DEPTH - 2):
        after = follow(after)
    with CaptureQueriesContext(connection) as captured:
        follow(after)
    [sql] = [q["sql"] for q in captured.captured_queries if 'FROM "api_examplemodel"' in q["sql"]]
    return sql


def analyzed(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        return cursor.fetchone()[0][0]["Plan"]


def rows_read(node: dict) -> int:
    return node["Actual Rows"] * node.get("Actual Loops", 1)


def assert_branches_in_order(plan: dict, *, table: str, index: str | None, bound: int) -> None:
    """``table`` is read by index scans only (``index`` among them), no Sort reads more than ``bound`` rows.

    A Bitmap Heap Scan is allowed on a single index (the policy's subquery reads the
    caller's memberships by user), never on a BitmapOr: that is the unordered
    "mine OR in my projects" the branches replace.
    """
    every = list(nodes(plan))
    scans = [node for node in every if node.get("Relation Name") == table]
    assert scans, plan
    assert not any(node["Node Type"] == "Seq Scan" for node in scans), plan
    assert not any(
        child["Node Type"] == "BitmapOr"
        for node in scans
        if node["Node Type"] == "Bitmap Heap Scan"
        for child in node["Plans"]
    ), plan
    assert index is None or index in {node.get("Index Name") for node in scans}, plan
    # The index on (…, -key, -id) is walked forward for a newest-first page: in order, no sort.
    walked = [node for node in scans if index is not None and node.get("Index Name") == index]
    assert all(node["Scan Direction"] == "Forward" for node in walked), plan
    for node in every:
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            assert sum(rows_read(child) for child in node["Plans"]) <= bound, plan


def assert_counted_by_index(plan: dict, *, table: str) -> None:
    """A count: each branch's count reads ``table`` by an index, and nothing is sorted."""
    assert_branches_in_order(plan, table=table, index=None, bound=0)


def seed_shared(owner, *, rows: int = 30) -> Project:
    """A project of someone else in which ``owner`` is a viewer, with ``rows`` of its owner's rows in it."""
    other = UserFactory()
    project = Project.objects.create(name="shared", owner=other)
    ProjectMembership.objects.create(project=project, user=owner, role=ProjectRole.VIEWER)
    ExampleModel.objects.bulk_create(
        ExampleModel(user=other, project=project, title=f"Shared {n}", content="") for n in range(rows)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE api_examplemodel")
    return project


def test_the_served_rest_50th_page_is_an_index_range_scan(db):
    owner = UserFactory()
    seed(owner, [UserFactory() for _ in range(3)])
    client = client_with_token(owner)

    def follow(link: str) -> str:
        return client.get(link).json()["next"]

    sql = served_page_sql(
        client, client.get("/api/v1/examples/", {"cursor": "", "limit": PAGE}).json()["next"], follow
    )

    plan = analyzed(sql)
    assert_branches_in_order(
        plan, table="api_examplemodel", index=INDEXES["created_at"], bound=2 * (PAGE + 1)
    )


def test_the_served_graphql_50th_page_is_an_index_range_scan(db):
    from tests.graphql.conftest import GraphQLClient

    owner = UserFactory()
    seed(owner, [UserFactory() for _ in range(3)])
    client = GraphQLClient(token_for(owner))
    query = (
        "query P($after: String) { examplesConnection(first: 20, after: $after) "
        "{ edges { node { id title } } pageInfo { endCursor } } }"
    )

    def follow(after: str | None) -> str:
        return client.run(query, {"after": after}).data["examplesConnection"]["pageInfo"]["endCursor"]

    sql = served_page_sql(client, follow(None), follow)

    plan = analyzed(sql)
    assert_branches_in_order(
        plan, table="api_examplemodel", index=INDEXES["created_at"], bound=2 * (PAGE + 1)
    )


def captured(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries]


def the_query(sqls: list[str], *needles: str) -> str:
    [sql] = [sql for sql in sqls if all(needle in sql for needle in needles)]
    return sql


@pytest.mark.parametrize("offset", [0, 200])
def test_an_offset_page_and_its_count_read_the_branches_by_index(db, offset):
    owner = UserFactory()
    seed(owner, [UserFactory() for _ in range(3)])
    seed_shared(owner)
    client = client_with_token(owner)

    sqls = captured(lambda: client.get("/api/v1/examples/", {"limit": PAGE, "offset": offset}))

    page = the_query(sqls, 'FROM "api_examplemodel"', "LIMIT")
    assert_branches_in_order(
        analyzed(page), table="api_examplemodel", index=INDEXES["created_at"], bound=2 * (offset + PAGE)
    )
    count = analyzed(the_query(sqls, "COUNT(*)"))
    assert_counted_by_index(count, table="api_examplemodel")


def test_the_graphql_list_and_its_total_read_the_branches_by_index(db):
    from tests.graphql.conftest import GraphQLClient

    owner = UserFactory()
    seed(owner, [UserFactory() for _ in range(3)])
    seed_shared(owner)
    client = GraphQLClient(token_for(owner))

    sqls = captured(
        lambda: client.run("{ examples(pagination: {limit: 20, offset: 40}) { totalCount results { id } } }")
    )

    page = the_query(sqls, 'FROM "api_examplemodel"', "LIMIT")
    assert_branches_in_order(
        analyzed(page), table="api_examplemodel", index=INDEXES["created_at"], bound=2 * (40 + PAGE)
    )
    count = analyzed(the_query(sqls, "COUNT(*)"))
    assert_counted_by_index(count, table="api_examplemodel")


@pytest.mark.parametrize(
    "key,index", [("created_at", "project_owner_newest_idx"), ("updated_at", "project_owner_updated_idx")]
)
def test_the_project_list_reads_owned_projects_in_order(db, key, index):
    owner = UserFactory()
    others = [UserFactory() for _ in range(3)]
    Project.objects.bulk_create(
        Project(name=f"P{n}", owner=user) for user in (owner, *others) for n in range(1500)
    )
    for project in Project.objects.filter(owner=others[0])[:30]:
        ProjectMembership.objects.create(project=project, user=owner, role=ProjectRole.EDITOR)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE api_project SET created_at = now() - (id / 3) * interval '1 second', "
            "updated_at = now() - (id % 97) * interval '1 second'; "
            "ANALYZE api_project; ANALYZE api_projectmembership"
        )
    client = client_with_token(owner)
    listed = {"limit": PAGE, "offset": PAGE, "ordering": f"-{key}"}

    sqls = captured(lambda: client.get("/api/v1/projects/", listed))

    page = the_query(sqls, 'FROM "api_project"', "LIMIT")
    assert_branches_in_order(analyzed(page), table="api_project", index=index, bound=2 * (2 * PAGE))
    count = analyzed(the_query(sqls, "COUNT(*)"))
    assert_counted_by_index(count, table="api_project")


def test_a_member_list_walks_the_project_in_join_order(db):
    from django.contrib.auth.models import User

    owner = UserFactory()
    project = Project.objects.create(name="big", owner=owner)
    others = Project.objects.bulk_create(Project(name=f"P{n}", owner=owner) for n in range(4))
    # Enough members that sorting a project's members costs more than walking its index.
    members = User.objects.bulk_create(User(username=f"member{n}") for n in range(1500))
    ProjectMembership.objects.bulk_create(
        ProjectMembership(project=each, user=member, role=ProjectRole.VIEWER)
        for each in (project, *others)
        for member in members
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE api_projectmembership SET added_at = now() - id * interval '1 second'; "
            "ANALYZE api_projectmembership; ANALYZE api_project"
        )
    client = client_with_token(owner)

    sqls = captured(lambda: client.get(f"/api/v1/projects/{project.pk}/members/", {"limit": PAGE}))

    [page] = [sql for sql in sqls if sql.startswith('SELECT "api_projectmembership"."id"') and "LIMIT" in sql]
    assert_branches_in_order(
        analyzed(page), table="api_projectmembership", index="membership_project_added_idx", bound=PAGE
    )


def test_the_invitation_list_reads_the_callers_invitations_in_order(db):
    from datetime import timedelta

    from django.utils import timezone

    from api.models import Invitation

    caller = UserFactory()
    others = [UserFactory() for _ in range(3)]
    projects = Project.objects.bulk_create(
        Project(name=f"P{n}", owner=user) for user in others for n in range(500)
    )
    own = Project.objects.create(name="mine", owner=caller)
    later = timezone.now() + timedelta(days=7)

    def invitation(project: Project, invitee, name: str) -> Invitation:
        return Invitation(
            project=project,
            invitee=invitee,
            username=name,
            username_key=name,
            invited_by=project.owner,
            role=ProjectRole.VIEWER,
            expires_at=later,
        )

    # The caller is invited to 1500 projects, others to as many; the caller's project invites 30.
    Invitation.objects.bulk_create(
        [invitation(p, caller, "caller") for p in projects]
        + [invitation(p, others[0], "other") for p in projects]
        + [invitation(own, None, f"nobody{n}") for n in range(30)]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE api_invitation SET created_at = now() - (id / 3) * interval '1 second'; "
            "ANALYZE api_invitation; ANALYZE api_project"
        )
    client = client_with_token(caller)

    sqls = captured(lambda: client.get("/api/v1/invitations/", {"limit": PAGE, "offset": PAGE}))

    page = the_query(sqls, 'FROM "api_invitation"', "LIMIT")
    assert_branches_in_order(
        analyzed(page), table="api_invitation", index="invitation_invitee_newest_idx", bound=2 * (2 * PAGE)
    )
    count = analyzed(the_query(sqls, "COUNT(*)"))
    assert_counted_by_index(count, table="api_invitation")
