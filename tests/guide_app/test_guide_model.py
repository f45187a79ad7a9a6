"""A new model written the guide's way passes ``manage.py check`` and works, on the built-in User.

In the style of the team's guide (django.test.TestCase, ``User`` imported
from django.contrib.auth.models). The last test is the control: the same
model under a swapped user model fails the checks, so this module would
notice an ``AUTH_USER_MODEL`` swap coming back.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase, override_settings

import backend.settings.base
from tests.guide_app.models import Note


class NoteTestCase(TestCase):
    def setUp(self):
        self.user = User.objects.create_user(
            username="testuser", email="test@example.com", password="testpass123"
        )

    def test_manage_py_check_passes_with_a_foreign_key_to_the_built_in_user(self):
        # SystemCheckError (a failure) on any error; warnings count too.
        call_command("check", fail_level="WARNING", verbosity=0)

    def test_model_creation(self):
        note = Note.objects.create(user=self.user, title="Test Title", content="Test content")
        self.assertEqual(note.title, "Test Title")
        self.assertEqual(note.user, self.user)
        self.assertEqual(list(self.user.note_set.all()), [note])

    def test_the_user_model_is_djangos_own(self):
        self.assertIs(get_user_model(), User)
        self.assertEqual(User._meta.db_table, "auth_user")
        self.assertFalse(hasattr(backend.settings.base, "AUTH_USER_MODEL"))
        self.assertIs(Note._meta.get_field("user").related_model, User)

    def test_the_same_model_fails_the_checks_under_a_swapped_user_model(self):
        # The model's own checks (the part of `check` that looks at Note); the
        # whole run would also trip over the stand-in user model.
        with override_settings(AUTH_USER_MODEL="authentication.Profile"):
            errors = Note.check()
        self.assertIn("fields.E301", [error.id for error in errors])
        self.assertEqual(Note.check(), [])
