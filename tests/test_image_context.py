"""The image's build context holds every app the product installs (checked without a Docker daemon)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_first_party_app_is_in_the_image_context():
    # .dockerignore ignores everything, then lets through what the image needs, package by package:
    # an app added to INSTALLED_APPS and not here builds an image that cannot start.
    allowed = {
        line[1:].strip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    packages = {app.split(".")[0] for app in settings.INSTALLED_APPS}
    first_party = {
        name for name in packages if (ROOT / name).is_dir() and name != "tests"
    }  # tests: test settings
    assert first_party, "no first-party app found"
    assert first_party <= allowed, f"add to .dockerignore: {sorted(first_party - allowed)}"
