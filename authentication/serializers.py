"""Input and output shapes of `/api/auth/`.

Input serializers check types and formats only; the services decide
everything that needs the database (uniqueness, passwords, credentials).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework import serializers

from backend.fields import StrictCharField, StrictEmailField, StrictModelSerializer

from .identity import UsernameValidator, display_name
from .models import Profile

_USERNAME_MAX = User._meta.get_field("username").max_length


class DisplayNameField(StrictCharField):
    """The user's display name (``authentication.identity.display_name``), read-only."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, user: User) -> str:
        return display_name(user)


class UserSerializer(serializers.ModelSerializer):
    name = DisplayNameField(help_text="Display name: the profile's, else the full name, else the username.")

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "name", "date_joined"]
        read_only_fields = fields


class ProfileSerializer(StrictModelSerializer):
    """The caller's profile."""

    class Meta:
        model = Profile
        fields = ["display_name", "bio", "timezone", "updated_at"]
        read_only_fields = ["updated_at"]


class UserUpdateSerializer(serializers.Serializer):
    email = StrictEmailField(required=False, max_length=254)
    username = StrictCharField(
        required=False,
        max_length=_USERNAME_MAX,
        validators=[UsernameValidator()],
        help_text="Never contains '@': a login identifier with '@' is an email.",
    )
    first_name = StrictCharField(required=False, allow_blank=True, max_length=150)
    last_name = StrictCharField(required=False, allow_blank=True, max_length=150)
    current_password = StrictCharField(
        required=False,
        write_only=True,
        trim_whitespace=False,
        max_length=4096,
        style={"input_type": "password"},
        help_text="Required when `email` changes; other fields change without it.",
    )


class RegisterSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    password = StrictCharField(
        write_only=True, trim_whitespace=False, max_length=4096, style={"input_type": "password"}
    )
    username = StrictCharField(
        required=False,
        max_length=_USERNAME_MAX,
        validators=[UsernameValidator()],
        help_text=(
            "Optional; derived from the email's local part when omitted. "
            "Never contains '@': a login identifier with '@' is an email."
        ),
    )
    name = StrictCharField(required=False, allow_blank=True, max_length=150, help_text="Display name.")


class LoginSerializer(serializers.Serializer):
    username = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="Username, or email: an identifier with '@' is looked up by email only.",
    )
    email = StrictCharField(required=False, allow_blank=True, max_length=254)
    password = StrictCharField(
        write_only=True, trim_whitespace=False, max_length=4096, style={"input_type": "password"}
    )

    def validate(self, attrs: dict) -> dict:
        if not (attrs.get("username") or attrs.get("email")):
            raise serializers.ValidationError("Provide a username or an email, and a password.")
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    old_password = StrictCharField(trim_whitespace=False, max_length=4096, style={"input_type": "password"})
    new_password = StrictCharField(trim_whitespace=False, max_length=4096, style={"input_type": "password"})


class PasswordResetSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = StrictCharField(max_length=64)
    token = StrictCharField(max_length=128)
    new_password = StrictCharField(trim_whitespace=False, max_length=4096, style={"input_type": "password"})


# Response shapes, for the OpenAPI document.
class TokenUserSerializer(serializers.Serializer):
    token = StrictCharField()
    user = UserSerializer()


class LoginResponseSerializer(TokenUserSerializer):
    user_id = serializers.IntegerField()
    email = StrictEmailField()


class TokenSerializer(serializers.Serializer):
    token = StrictCharField()


class DetailSerializer(serializers.Serializer):
    detail = StrictCharField()


class CsrfSerializer(serializers.Serializer):
    csrfToken = StrictCharField()
