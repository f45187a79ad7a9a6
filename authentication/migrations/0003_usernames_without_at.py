"""Rewrite every username containing ``@`` to a free one without it.

A login identifier with ``@`` is looked up by email only, so a username with
``@`` could never log in by username again, and one equal to another user's
email was the way to catch that user's logins. Nothing is deployed yet, so on
a fresh database this finds no rows; it is kept for any database that was
filled before the rule (tests/auth/test_usernames_without_at.py runs it).
"""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Lower

from authentication.identity import free_username


def rewrite_usernames_with_at(apps, schema_editor) -> None:
    User = apps.get_model("auth", "User")
    users = User.objects.using(schema_editor.connection.alias)

    def is_taken(name: str) -> bool:
        return users.alias(lowered=Lower("username")).filter(lowered=Lower(Value(name))).exists()

    for user in users.filter(username__contains="@").order_by("pk"):
        new_name = free_username(user.username, is_taken)
        users.filter(pk=user.pk).update(username=new_name)


class Migration(migrations.Migration):
    dependencies = [
        ("authentication", "0002_user_case_insensitive_unique"),
    ]

    operations = [
        # Reversing keeps the new names: the old ones are not recorded, and
        # they would be refused anyway.
        migrations.RunPython(rewrite_usernames_with_at, migrations.RunPython.noop),
    ]
