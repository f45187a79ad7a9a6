"""Case-insensitive uniqueness of usernames and non-empty emails on Django's ``auth_user``.

The built-in user model cannot carry these constraints in its ``Meta``, so
they are expression indexes created here, in plain SQL that SQLite and
PostgreSQL both accept. The database enforces them, so two concurrent
registrations with one address (in any case) cannot both succeed.

Django does not know about these indexes. On SQLite a future ``auth``
migration that rebuilds ``auth_user`` would drop them;
tests/auth/test_identity_indexes.py checks that they exist after ``migrate``.
"""

from django.db import migrations

USERNAME_INDEX = "auth_user_username_lower_uniq"
EMAIL_INDEX = "auth_user_email_lower_uniq"


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authentication", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE UNIQUE INDEX {USERNAME_INDEX} ON auth_user (LOWER(username))",
            reverse_sql=f"DROP INDEX {USERNAME_INDEX}",
        ),
        migrations.RunSQL(
            sql=f"CREATE UNIQUE INDEX {EMAIL_INDEX} ON auth_user (LOWER(email)) WHERE email <> ''",
            reverse_sql=f"DROP INDEX {EMAIL_INDEX}",
        ),
    ]
