"""A test-only app with a model written the way the team's guide writes one.

Installed by the test settings only. It proves that a model with
``models.ForeignKey(User, ...)`` to Django's built-in user, imported as the
guide imports it, passes Django's system checks: with a swapped user model
the same model fails them (fields.E301).
"""
