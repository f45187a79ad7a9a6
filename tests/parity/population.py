"""Generated populations (users and their examples) and the list queries asked of them.

A population is a few users with varied names and profiles, and examples
with unicode titles and contents, repeated titles and timestamps shared to
the microsecond (so that ties, and the id tiebreak, are exercised). Queries
are drawn from the population's own text, so searches hit as often as they miss.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from hypothesis import strategies as st

from api.models import ExampleModel
from api.querysets import ORDERING_FIELDS
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
class Row:
    owner: int  # index into Population.people
    title: str
    content: str
    created: dt.datetime
    updated: dt.datetime


@dataclass(frozen=True)
class Population:
    people: tuple[Person, ...]
    rows: tuple[Row, ...]

    def texts(self) -> list[str]:
        return [row.title for row in self.rows] + [row.content for row in self.rows]


people = st.builds(
    Person,
    first_name=st.one_of(st.just(""), text.map(lambda s: s[:150])),
    last_name=st.one_of(st.just(""), text.map(lambda s: s[:150])),
    display_name=st.one_of(st.just(""), text.map(lambda s: s[:150])),
    bio=text,
    timezone=st.sampled_from(TIMEZONES),
)


@st.composite
def populations(draw, min_rows: int = 0, max_rows: int = 24) -> Population:
    crowd = tuple(draw(st.lists(people, min_size=2, max_size=3)))
    rows = draw(
        st.lists(
            st.builds(
                Row,
                owner=st.integers(0, len(crowd) - 1),
                title=titles,
                content=st.one_of(st.just(""), text),
                created=st.sampled_from(INSTANTS),
                updated=st.sampled_from(INSTANTS),
            ),
            min_size=min_rows,
            max_size=max_rows,
        )
    )
    return Population(crowd, tuple(rows))


@dataclass
class Built:
    """A population in the database: users (fresh from it) and, by id, who owns each example."""

    users: list[User]
    owner_of: dict[int, int] = field(default_factory=dict)  # example id -> user id
    rows: dict[int, Row] = field(default_factory=dict)  # example id -> what was stored

    def ids_of(self, user: User) -> list[int]:
        return [pk for pk, owner in self.owner_of.items() if owner == user.pk]


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
    examples = ExampleModel.objects.bulk_create(
        ExampleModel(user=users[row.owner], title=row.title, content=row.content) for row in population.rows
    )
    # auto_now_add/auto_now stamped "now" on create; set the generated times.
    for example, row in zip(examples, population.rows, strict=True):
        example.created_at, example.updated_at = row.created, row.updated
    ExampleModel.objects.bulk_update(examples, ["created_at", "updated_at"])
    built = Built(users=list(User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk")))
    for example, row in zip(examples, population.rows, strict=True):
        built.owner_of[example.pk] = example.user_id
        built.rows[example.pk] = row
    return built


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
    return pieces | text | st.sampled_from(("", "   ", "%", "_", "\\", "'"))


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
