"""Factories for the suite's data. Passwords are hashed with the fast test hasher."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from api.models import ExampleModel

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class ExampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExampleModel

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Example {n}")
    content = factory.Faker("paragraph")


def token_for(user: User) -> str:
    return Token.objects.get_or_create(user=user)[0].key
