"""Generated populations (users, projects, memberships, examples) and the list queries asked of them.

A population is a few users with varied names and profiles, projects owned
by some of them with the others as editors, viewers, removed members or
strangers, and examples with unicode titles and contents, in a project or
in none (an author may have been removed from the project of their own
example), with repeated titles and timestamps shared to the microsecond (so
that ties, and the id tiebreak, are exercised). Queries are drawn from the
population's own text, so searches hit as often as they miss.

``Population`` also answers, from the contract's policy table alone and
without the database, who sees what: the expected answers the surfaces are
checked against (``role``, ``sees_row``, ``visible_team``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from hypothesis import strategies as st

from api import services
from api.models import OWNER_ROLE, ExampleModel, Project, ProjectMembership, ProjectRole
from api.querysets import ORDERING_FIELDS
from api.search import count_terms
from authentication.identity import display_name
from authentication.models import Profile

from ..factories import UserFactory

# A handful of instants, some a microsecond apart, so equal and near-equal
# timestamps are common.
BASE = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
INSTANTS = tuple(
    BASE + dt.timedelta(minutes=minutes, microseconds=micro)
    for minutes in (0, 1, 90, 60 * 24 * 40)
    for micro in (0, 1, 999_999)
)
# Zones to write a date-time in: the same instant, spelled differently.
ZONES = (dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8)))

# Text that has tripped up search, case folding, LIKE escaping and JSON before.
SPECIAL_TEXT = (
    "Plan",
    "plan",
    "PLAN",
    "Straße",
    "STRASSE",
    "İstanbul",
    "istanbul",
    "e\u0301te\u0301",  # combining accents
    "été",
    "🎉 party 🎉",
    "עברית RTL \u200f",
    "مرحبا",
    "日本語テキスト",
    "\uffff",
    "100%",
    "under_score",
    "back\\slash",
    "a'quote\"",
    "  padded  ",
    "tab\there",
    "line\nbreak",
    "zero\u200bwidth",
    "ﬁ ligature",
)
# Any character a JSON body or a query string can carry, NUL aside (PostgreSQL
# refuses it; the generated-input tests send it on purpose).
characters = st.characters(codec="utf-8", exclude_characters="\x00")
free_text = st.text(characters, max_size=15)
text = st.one_of(st.sampled_from(SPECIAL_TEXT), free_text)
titles = st.one_of(st.sampled_from(SPECIAL_TEXT), st.text(characters, min_size=1, max_size=30)).filter(
    str.strip
)
TIMEZONES = ("UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns")
DIRECTIONS = ("ASC", "DESC", "ASC_NULLS_FIRST", "ASC_NULLS_LAST", "DESC_NULLS_FIRST", "DESC_NULLS_LAST")
TEXT_LOOKUPS = (
    "exact",
    "iExact",
    "contains",
    "iContains",
    "startsWith",
    "iStartsWith",
    "endsWith",
    "iEndsWith",
)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    display_name: str
    bio: str
    timezone: str


@dataclass(frozen=True)
class Member:
    person: int  # index into Population.people
    role: str  # "editor" or "viewer"
    added: dt.datetime
    removed: bool = False  # added, then removed: no longer a member


@dataclass(frozen=True)
class Team:
    """A project."""

    owner: int  # index into Population.people
    name: str
    description: str
    created: dt.datetime
    updated: dt.datetime
    members: tuple[Member, ...] = ()


@dataclass(frozen=True)
class Row:
    owner: int  # index into Population.people
    title: str
    content: str
    created: dt.datetime
    updated: dt.datetime
    project: int | None = None  # index into Population.teams


@dataclass(frozen=True)
class Population:
    people: tuple[Person, ...]
    rows: tuple[Row, ...]
    teams: tuple[Team, ...] = ()

    def texts(self) -> list[str]:
        return [row.title for row in self.rows] + [row.content for row in self.rows]

    # The contract's policy table, for the expected answers.

    def role(self, person: int, team: int) -> str | None:
        """``person``'s role on ``team``: "owner", "editor", "viewer", or None (removed, stranger)."""
        if self.teams[team].owner == person:
            return OWNER_ROLE
        current = [m.role for m in self.teams[team].members if m.person == person and not m.removed]
        return current[0] if current else None

    def sees_row(self, person: int, row: Row) -> bool:
        """Its author, and the owner and every member of its project."""
        return row.owner == person or (row.project is not None and self.role(person, row.project) is not None)

    def visible_team(self, person: int, row: Row) -> int | None:
        """``Example.project`` as ``person`` sees it: null in no project or one they cannot see."""
        if row.project is None or self.role(person, row.project) is None:
            return None
        return row.project

    def members_of(self, team: int) -> list[Member]:
        """The current members, oldest first (ties by the order they were added)."""
        current = [m for m in self.teams[team].members if not m.removed]
        return sorted(current, key=lambda m: m.added)


people = st.builds(
    Person,
    first_name=st.one_of(st.just(""), text.map(lambda s: s[:150])),
    last_name=st.one_of(st.just(""), text.map(lambda s: s[:150])),
    display_name=st.one_of(st.just(""), text.map(lambda s: s[:150])),
    bio=text,
    timezone=st.sampled_from(TIMEZONES),
)


# A non-owner's place in a project: none (a stranger), a member, or a removed one.
STANDINGS = (None, ("editor", False), ("viewer", False), ("editor", True), ("viewer", True))


@st.composite
def teams(draw, crowd: int) -> Team:
    owner = draw(st.integers(0, crowd - 1))
    members = []
    for person in range(crowd):
        standing = None if person == owner else draw(st.sampled_from(STANDINGS))
        if standing is not None:
            role, removed = standing
            members.append(Member(person, role, draw(st.sampled_from(INSTANTS)), removed))
    return Team(
        owner=owner,
        name=draw(titles.map(lambda name: name[:100]).filter(str.strip)),
        description=draw(st.one_of(st.just(""), text)),
        created=draw(st.sampled_from(INSTANTS)),
        updated=draw(st.sampled_from(INSTANTS)),
        members=tuple(members),
    )


@st.composite
def populations(
    draw, min_rows: int = 0, max_rows: int = 24, min_teams: int = 0, max_teams: int = 2
) -> Population:
    crowd = tuple(draw(st.lists(people, min_size=2, max_size=3)))
    projects = tuple(draw(st.lists(teams(len(crowd)), min_size=min_teams, max_size=max_teams)))
    in_project = st.none() | st.integers(0, len(projects) - 1) if projects else st.none()
    rows = draw(
        st.lists(
            st.builds(
                Row,
                owner=st.integers(0, len(crowd) - 1),
                title=titles,
                content=st.one_of(st.just(""), text),
                created=st.sampled_from(INSTANTS),
                updated=st.sampled_from(INSTANTS),
                project=in_project,
            ),
            min_size=min_rows,
            max_size=max_rows,
        )
    )
    return Population(crowd, tuple(rows), projects)


# A population with every actor of the policy table, tried first by the tests
# that take it (hypothesis's @example): an owner (0) with an editor (1), a
# viewer (2), a removed editor who wrote in the project (3) and a stranger (4);
# a second project of 2's, where 0 is a viewer; examples in both and in none.
EVERY_ACTOR = Population(
    people=tuple(
        Person(
            first_name=f"First{n}",
            last_name="",
            display_name="" if n % 2 else f"Shown {n}",
            bio="",
            timezone="UTC",
        )
        for n in range(5)
    ),
    teams=(
        Team(
            owner=0,
            name="Team",
            description="shared",
            created=INSTANTS[0],
            updated=INSTANTS[1],
            members=(
                Member(1, ProjectRole.EDITOR, INSTANTS[0]),
                Member(2, ProjectRole.VIEWER, INSTANTS[0]),
                Member(3, ProjectRole.EDITOR, INSTANTS[3], removed=True),
            ),
        ),
        Team(
            owner=2,
            name="Notes",
            description="",
            created=INSTANTS[0],
            updated=INSTANTS[0],
            members=(Member(0, ProjectRole.VIEWER, INSTANTS[5]),),
        ),
    ),
    rows=(
        Row(0, "Plan", "owner's", INSTANTS[0], INSTANTS[0], project=0),
        Row(1, "plan", "editor's", INSTANTS[0], INSTANTS[2], project=0),
        Row(2, "Straße", "viewer's", INSTANTS[3], INSTANTS[3], project=0),
        Row(3, "removed", "written before leaving", INSTANTS[6], INSTANTS[6], project=0),
        Row(4, "stranger", "alone", INSTANTS[6], INSTANTS[6]),
        Row(2, "notes", "in the viewer's own project", INSTANTS[9], INSTANTS[9], project=1),
        Row(0, "mine", "in no project", INSTANTS[9], INSTANTS[9]),
    ),
)


@dataclass
class Built:
    """A population in the database: users (fresh from it, in the population's order) and its ids."""

    population: Population
    users: list[User]
    owner_of: dict[int, int] = field(default_factory=dict)  # example id -> user id
    rows: dict[int, Row] = field(default_factory=dict)  # example id -> what was stored
    project_ids: list[int] = field(default_factory=list)  # team index -> project id

    def person(self, user: User) -> int:
        return next(index for index, known in enumerate(self.users) if known.pk == user.pk)

    def visible_ids(self, user: User) -> list[int]:
        """The examples ``user`` may see, by the policy table (not by the database)."""
        person = self.person(user)
        return [pk for pk, row in self.rows.items() if self.population.sees_row(person, row)]

    def project_id_seen(self, user: User, example_id: int) -> int | None:
        team = self.population.visible_team(self.person(user), self.rows[example_id])
        return None if team is None else self.project_ids[team]

    def team_of(self, project_id: int) -> int | None:
        return self.project_ids.index(project_id) if project_id in self.project_ids else None

    def public_user(self, person: int) -> dict:
        """``PublicUser`` of a person, as GraphQL writes it."""
        user = self.users[person]
        return {"id": str(user.pk), "username": user.username, "name": display_name(user)}


def build(population: Population) -> Built:
    users = []
    for index, person in enumerate(population.people):
        user = UserFactory(
            username=f"parity{index}",
            email=f"parity{index}@example.com",
            first_name=person.first_name,
            last_name=person.last_name,
        )
        Profile.objects.filter(user=user).update(
            display_name=person.display_name, bio=person.bio, timezone=person.timezone
        )
        users.append(user)
    projects = build_teams(population, users)
    examples = ExampleModel.objects.bulk_create(
        ExampleModel(
            user=users[row.owner],
            title=row.title,
            content=row.content,
            project=None if row.project is None else projects[row.project],
        )
        for row in population.rows
    )
    # auto_now_add/auto_now stamped "now" on create; set the generated times.
    for example, row in zip(examples, population.rows, strict=True):
        example.created_at, example.updated_at = row.created, row.updated
    ExampleModel.objects.bulk_update(examples, ["created_at", "updated_at"])
    fresh = User.objects.select_related("profile").filter(pk__in=[u.pk for u in users]).order_by("pk")
    built = Built(population=population, users=list(fresh), project_ids=[p.pk for p in projects])
    for example, row in zip(examples, population.rows, strict=True):
        built.owner_of[example.pk] = example.user_id
        built.rows[example.pk] = row
    return built


def build_teams(population: Population, users: list[User]) -> list[Project]:
    """The projects and memberships; a removed member is added, then removed through the core's service."""
    projects = Project.objects.bulk_create(
        Project(owner=users[team.owner], name=team.name, description=team.description)
        for team in population.teams
    )
    for project, team in zip(projects, population.teams, strict=True):
        project.created_at, project.updated_at = team.created, team.updated
    Project.objects.bulk_update(projects, ["created_at", "updated_at"])
    pairs = [
        (project, member)
        for project, team in zip(projects, population.teams, strict=True)
        for member in team.members
    ]
    memberships = ProjectMembership.objects.bulk_create(
        ProjectMembership(project=project, user=users[member.person], role=member.role)
        for project, member in pairs
    )
    for membership, (_project, member) in zip(memberships, pairs, strict=True):
        membership.added_at = member.added
    ProjectMembership.objects.bulk_update(memberships, ["added_at"])
    for project, member in pairs:
        if member.removed:
            services.member_remove(user=project.owner, project_id=project.pk, user_id=users[member.person].pk)
    return projects


# List queries


def spell(moment: dt.datetime, zone: dt.tzinfo | None, style: str) -> str:
    """One instant, written as a client might: `Z`, an offset, no offset (UTC), or a bare date."""
    if style == "date":
        return moment.date().isoformat()
    if zone is None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    written = moment.astimezone(zone).isoformat()
    return written.replace("+00:00", "Z") if style == "Z" else written


date_times = st.builds(
    spell,
    st.sampled_from(INSTANTS)
    | st.sampled_from(INSTANTS).map(lambda moment: moment - dt.timedelta(microseconds=1)),
    st.sampled_from((*ZONES, None)),
    st.sampled_from(("offset", "Z", "date")),
)


@dataclass(frozen=True)
class ListQuery:
    search: str | None = None
    after: str | None = None
    before: str | None = None
    title: tuple[str, str] | None = None  # a GraphQL title lookup; REST has no equivalent
    wrap: str | None = None  # GraphQL only: the title lookup inside AND, OR or NOT
    ordering: tuple[tuple[str, str], ...] = ()  # (core field, GraphQL direction)
    limit: int | None = None
    offset: int | None = None

    @property
    def filtered(self) -> bool:
        return any(value is not None for value in (self.search, self.after, self.before, self.title))

    def rest_params(self) -> dict[str, str] | None:
        """REST's query string for the same question, or None when REST cannot ask it."""
        if self.title is not None:
            return None
        params = {
            "search": self.search,
            "created_after": self.after,
            "created_before": self.before,
            "ordering": ",".join(("-" if d.startswith("DESC") else "") + f for f, d in self.ordering) or None,
            "limit": self.limit,
            "offset": self.offset,
        }
        return {key: str(value) for key, value in params.items() if value is not None}

    def variables(self) -> dict:
        filters: dict = {}
        if self.search is not None:
            filters["search"] = self.search
        created = {key: value for key, value in (("gte", self.after), ("lte", self.before)) if value}
        if created:
            filters["createdAt"] = created
        if self.title is not None:
            lookup = {"title": {self.title[0]: self.title[1]}}
            filters.update({self.wrap: lookup} if self.wrap else lookup)
        variables: dict = {}
        if filters:
            variables["filters"] = filters
        if self.ordering:
            variables["ordering"] = [{camel(f): d} for f, d in self.ordering]
        page = {
            key: value for key, value in (("limit", self.limit), ("offset", self.offset)) if value is not None
        }
        if page:
            variables["pagination"] = page
        return variables


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def search_terms(population: Population) -> st.SearchStrategy[str]:
    """Pieces of the population's own text (so they match), changed case, padding, or anything."""
    texts = [t for t in population.texts() if t]
    pieces = st.nothing()
    if texts:
        pieces = st.builds(
            lambda t, a, b: t[min(a, b) : max(a, b) + 1],
            st.sampled_from(texts),
            st.integers(0, 30),
            st.integers(0, 30),
        )
        pieces = pieces | pieces.map(str.upper) | pieces.map(lambda s: f"  {s} ")
    terms = pieces | text | st.sampled_from(("", "   ", "%", "_", "\\", "'"))
    # Within SEARCH_MAX_TERMS: the graphene reference has no such limit
    # (tests/api/test_search.py proves REST's and GraphQL's refusals).
    return terms.filter(lambda term: count_terms(term) <= settings.SEARCH_MAX_TERMS)


LIMITS = (None, None, None, 1, 2, 3, 5, 20, 100, 101, 5000)
OFFSETS = (None, None, None, 0, 1, 2, 3, 7, 30)


@st.composite
def list_queries(draw, population: Population) -> ListQuery:
    """Mostly questions with an answer; about one in ten has a page every surface must refuse."""
    refused_page = draw(st.sampled_from((False,) * 9 + (True,)))
    return ListQuery(
        search=draw(st.none() | search_terms(population)),
        after=draw(st.none() | st.none() | date_times),
        before=draw(st.none() | st.none() | date_times),
        title=draw(
            st.none() | st.none() | st.tuples(st.sampled_from(TEXT_LOOKUPS), search_terms(population))
        ),
        wrap=draw(st.sampled_from((None, None, "AND", "OR", "NOT"))),
        ordering=tuple(
            draw(
                st.lists(st.tuples(st.sampled_from(ORDERING_FIELDS), st.sampled_from(DIRECTIONS)), max_size=3)
            )
        ),
        limit=draw(st.sampled_from((0, -1, -5)) if refused_page else st.sampled_from(LIMITS)),
        offset=draw(st.sampled_from((-1, *OFFSETS)) if refused_page else st.sampled_from(OFFSETS)),
    )
