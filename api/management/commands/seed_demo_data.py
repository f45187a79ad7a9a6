"""`manage.py seed_demo_data`: demo users and examples, safe to run again.

Users are created by ``authentication.services.user_register`` (profile and
token included), examples, projects and memberships (an owner's invitation,
accepted by the member) by ``api.services``, so
demo data obeys the same rules as data sent by clients. With two users or
more, demo owns a project shared with demo2 as editor; with three, demo is a
viewer in demo3's project; a few examples of each owner and editor are in them. Each example has a
numbered title; a run only creates the users and titles that are missing,
so running twice, or again with larger numbers, never duplicates anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import transaction

from api import policy, services
from api.models import ExampleModel, Project, ProjectRole
from authentication import services as auth_services

DEMO_USERNAME = "demo"
# Published on purpose (docs/REST.md, `make run`): never seed a production database.
DEMO_PASSWORD = "explore-the-demo-42"  # noqa: S105
DEMO_EMAIL_DOMAIN = "example.com"
TITLE_PREFIX = "Demo example "
# Runs creating at least this many examples show progress.
PROGRESS_THRESHOLD = 100


@dataclass(frozen=True)
class DemoProject:
    """A demo project: its owner's number, name, members and which examples go in."""

    owner: int
    name: str
    description: str
    members: tuple[tuple[int, str], ...]
    # (user number, example numbers) of the examples put into the project.
    examples: tuple[tuple[int, tuple[int, ...]], ...]


DEMO_PROJECTS = (
    DemoProject(
        owner=1,
        name="Demo team",
        description="Owned by demo; demo2 is an editor and adds examples too.",
        members=((2, ProjectRole.EDITOR),),
        examples=((1, (2, 3)), (2, (2,))),
    ),
    DemoProject(
        owner=3,
        name="Demo3's notes",
        description="Owned by demo3; demo may read them (a viewer) but not change them.",
        members=((1, ProjectRole.VIEWER),),
        examples=((3, (2, 3)),),
    ),
)

TOPICS = [
    (
        "Getting started",
        "Every example belongs to the user who created it; put it in a project to share it.",
    ),
    ("Searching", "Use ?search= to find examples by title or content, whatever the case."),
    ("Ordering", "Use ?ordering=title or ?ordering=-updated_at; ties are broken by id."),
    ("Pagination", "Pages hold 20 examples by default and at most 100: ?limit=100&offset=200."),
    ("Date filters", "Use ?created_after= and ?created_before= with ISO 8601 date-times."),
    ("Duplicating", "POST to /api/v1/examples/{id}/duplicate/ to copy an example."),
    ("GraphQL", "The same examples are served at /graphql/, with the same rules."),
    ("Tokens", "Send Authorization: Token <key> with every request, or use the session cookie."),
]


def demo_username(number: int) -> str:
    return DEMO_USERNAME if number == 1 else f"{DEMO_USERNAME}{number}"


def demo_title(number: int) -> str:
    topic = TOPICS[(number - 1) % len(TOPICS)][0]
    return f"{TITLE_PREFIX}{number}: {topic}"


def demo_content(number: int) -> str:
    return TOPICS[(number - 1) % len(TOPICS)][1]


class Progress:
    """A one-line bar on a terminal, a line per tenth otherwise (logs, tests)."""

    WIDTH = 30

    def __init__(self, out: OutputWrapper, total: int) -> None:
        self.out = out
        self.total = total
        self.enabled = total >= PROGRESS_THRESHOLD
        self.tty = out.isatty()
        self.next_tenth = 1

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        if self.tty:
            filled = self.WIDTH * done // self.total
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.out.write(f"\r  [{bar}] {done}/{self.total}", ending="")
            self.out.flush()
        elif done * 10 >= self.next_tenth * self.total:
            self.out.write(f"  {done}/{self.total} examples ({100 * done // self.total}%)")
            self.next_tenth = 10 * done // self.total + 1

    def finish(self) -> None:
        if self.enabled and self.tty:
            self.out.write("")


# runserver's default address; `make run` passes its own HOST and PORT.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Create demo users (login: demo) and examples; running it again adds only what is missing."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--users", type=int, default=3, help="Number of demo users: demo, demo2, ... (default 3)."
        )
        parser.add_argument("--examples", type=int, default=25, help="Examples per demo user (default 25).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has users (what `make run` uses).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. The demo password is public: never do this in production.",
        )
        parser.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help=f"Where the server answers, for the curl hint (default {DEFAULT_BASE_URL}; "
            "`make run` passes http://$(HOST):$(PORT)).",
        )

    def handle(
        self,
        *args: Any,
        users: int,
        examples: int,
        if_empty: bool,
        force: bool,
        base_url: str = DEFAULT_BASE_URL,
        **options: Any,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if users < 1:
            raise CommandError("--users must be at least 1.")
        if examples < 0:
            raise CommandError("--examples must be 0 or more.")
        if if_empty and User.objects.exists():
            self.stdout.write("The database already has users; demo data not loaded.")
            self.print_login()
            return
        if not settings.DEBUG and not force:
            if if_empty:
                # `make run` with DEBUG=0: serve anyway, just without demo accounts.
                self.stdout.write("DEBUG is off: demo data not loaded (its password is public).")
                return
            raise CommandError(
                "DEBUG is off: refusing to create accounts whose password is published. "
                "Pass --force if this really is not a production database."
            )

        demo_users, new_users = self.ensure_users(users)
        wanted = {demo_title(n): demo_content(n) for n in range(1, examples + 1)}
        missing = {user: self.missing_titles(user, wanted) for user in demo_users}
        total = sum(len(titles) for titles in missing.values())

        progress = Progress(self.stdout, total)
        done = 0
        # The last users' examples first, so that demo's own "Getting started"
        # is the newest row of demo's list, shared examples included.
        for user, titles in reversed(missing.items()):
            # One transaction per user: an interrupted run keeps whole users' sets,
            # and the next run fills in the rest.
            with transaction.atomic():
                for title in titles:
                    services.example_create(user=user, title=title, content=wanted[title])
                    done += 1
                    progress.update(done)
        progress.finish()
        projects = self.ensure_projects(demo_users, examples)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(demo_users)} users ({new_users} new), "
                f"{examples} examples each ({total} new), {projects} shared projects."
            )
        )
        self.print_login()

    def ensure_users(self, count: int) -> tuple[list[User], int]:
        found, created = [], 0
        for number in range(1, count + 1):
            username = demo_username(number)
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                try:
                    user, _token = auth_services.user_register(
                        email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                        password=DEMO_PASSWORD,
                        username=username,
                        name=f"Demo User {number}" if number > 1 else "Demo User",
                    )
                except ValidationError as exc:
                    raise CommandError(f"Cannot create demo user {username!r}: {exc.messages}") from None
                created += 1
            found.append(user)
        return found, created

    def ensure_projects(self, demo_users: list[User], examples: int) -> int:
        """Create the demo projects the users allow, their members and their examples; returns how many."""
        count = 0
        for spec in DEMO_PROJECTS:
            numbers = [spec.owner, *(number for number, _role in spec.members)]
            if max(numbers) > len(demo_users):
                continue
            with transaction.atomic():
                self.ensure_project(spec, demo_users, examples)
            count += 1
        return count

    def ensure_project(self, spec: DemoProject, demo_users: list[User], examples: int) -> Project:
        owner = demo_users[spec.owner - 1]
        project = Project.objects.restrict(owner, policy.MANAGE).filter(name=spec.name).first()
        if project is None:
            project = services.project_create(user=owner, name=spec.name, description=spec.description)
        for number, role in spec.members:
            member = demo_users[number - 1]
            if policy.role_of(project, member) is None:
                # As a client would: the owner invites, the member accepts.
                invitation = services.invitation_create(
                    user=owner, project_id=project.pk, username=member.username, role=role
                )
                services.invitation_accept(user=member, invitation_id=invitation.pk)
        for number, example_numbers in spec.examples:
            author = demo_users[number - 1]
            titles = [demo_title(n) for n in example_numbers if n <= examples]
            # The author's own examples (by authorship, not permission) not yet in a project.
            loose = ExampleModel.objects.restrict(author, policy.CHANGE).filter(
                user_id=author.pk, title__in=titles, project__isnull=True
            )
            for example_id in loose.values_list("pk", flat=True):
                services.example_update(user=author, example_id=example_id, data={"project_id": project.pk})
        return project

    def missing_titles(self, user: User, wanted: dict[str, str]) -> list[str]:
        present = set(
            # Their own examples only: the ones shared with them are someone else's.
            ExampleModel.objects.visible_to(user)
            .filter(user_id=user.pk, title__startswith=TITLE_PREFIX)
            .values_list("title", flat=True)
        )
        # Created last-first, so that a list (newest first) opens on "Getting started".
        return [title for title in reversed(wanted) if title not in present]

    def print_login(self) -> None:
        user = User.objects.filter(username__iexact=DEMO_USERNAME).first()
        if user is None:
            return
        if not user.check_password(DEMO_PASSWORD):
            self.stdout.write(f'Demo user "{user.username}" exists, but its password was changed.')
            return
        token = auth_services.token_for(user)
        self.stdout.write(f'Demo login: username "{user.username}", password "{DEMO_PASSWORD}"')
        self.stdout.write(f"Demo API token: {token.key}")
        self.stdout.write(
            f'  e.g. curl -H "Authorization: Token {token.key}" {self.base_url}/api/v1/examples/'
        )
