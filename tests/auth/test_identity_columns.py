"""``shown_name`` (display_name from columns, for rows) agrees with ``display_name`` on users."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from authentication.identity import display_name, shown_name


@pytest.mark.parametrize(
    ("first", "last", "profile_name", "expected"),
    [
        ("", "", "", "ada"),
        ("Ada", "", "", "Ada"),
        ("", "Lovelace", "", "Lovelace"),
        ("Ada", "Lovelace", "", "Ada Lovelace"),
        (" Ada ", " ", "", "Ada"),
        ("Ada", "Lovelace", "The Countess", "The Countess"),
    ],
)
def test_shown_name_is_display_name(db, first, last, profile_name, expected):
    user = User.objects.create(username="ada", first_name=first, last_name=last)
    user.profile.display_name = profile_name
    user.profile.save()
    user = User.objects.select_related("profile").get(pk=user.pk)

    assert display_name(user) == expected
    # The full name rule is Django's own: a change to get_full_name shows here.
    assert shown_name(None, first, last, "ada") == (user.get_full_name() or "ada")
    assert shown_name(profile_name, first, last, "ada") == expected
