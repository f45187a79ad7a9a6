"""Hooks on Django's built-in User, whichever way a user is written.

Register, the admin, ``createsuperuser``, ``User.objects.create_user`` in a
shell or a test: all of them save through the model, so these run for all.
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .identity import validate_username
from .models import Profile


@receiver(pre_save, sender=User, dispatch_uid="authentication.username_without_at")
def refuse_username_with_at(sender: type[User], instance: User, **kwargs) -> None:
    """The last line of the one-identity-per-login rule: no save writes a username with ``@``.

    The services and forms refuse it first, with a field error; this catches
    every other path (``createsuperuser`` turns the error into its own
    message). Loading fixtures (``raw``) is checked too: a fixture is data.
    """
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "username" not in update_fields:
        return
    try:
        validate_username(instance.username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from None


@receiver(post_save, sender=User, dispatch_uid="authentication.create_profile")
def create_profile(sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        Profile.objects.get_or_create(user=instance)
