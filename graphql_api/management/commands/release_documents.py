"""``manage.py release_documents``: record this release's trusted documents as retained (``make release-documents``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from graphql_api.releases import HistoryUnavailable, previous_release, record_release


class Command(BaseCommand):
    help = (
        "Add the trusted documents manifest to the retained documents of earlier releases, so the next "
        "release's nodes still serve this release's frontend during a rolling deploy."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--previous",
            action="store_true",
            help="Also add the previous release's manifest, read from git (when operations changed before "
            "the release was recorded).",
        )

    def handle(self, *args, previous: bool = False, **options) -> None:
        manifest = Path(settings.GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST)
        retained = Path(settings.GRAPHQL_RETAINED_DOCUMENTS)
        extra: dict[str, str] = {}
        if previous:
            try:
                release = previous_release(Path(settings.BASE_DIR), manifest)
            except HistoryUnavailable as error:
                raise CommandError(f"The previous release cannot be read: {error}") from None
            if release is not None:
                extra = release.entries
        added = record_release(manifest, retained, extra)
        self.stdout.write(f"{retained}: {len(added)} document(s) added.")
