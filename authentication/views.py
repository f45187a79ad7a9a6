"""`/api/auth/`: thin adapters over ``authentication.services``."""

from __future__ import annotations

from django.contrib.auth import login, logout, update_session_auth_hash
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.openapi import AUTHENTICATED_ERRORS, BODY_ERRORS, READ_ERRORS, THROTTLED

from . import services
from .serializers import (
    CsrfSerializer,
    DetailSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    ProfileSerializer,
    RegisterSerializer,
    TokenSerializer,
    TokenUserSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from .throttles import (
    EmailChangeAccountThrottle,
    EmailChangeThrottle,
    LoginThrottle,
    PasswordChangeAccountThrottle,
    PasswordChangeThrottle,
    PasswordResetThrottle,
    RegisterThrottle,
)

TAG = ["auth"]


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PublicView(APIView):
    """Endpoints reached before the client holds credentials.

    No authentication classes: a stale token sent out of habit must not turn
    a login into a 401.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]


class RegisterView(PublicView):
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        tags=TAG,
        auth=[],
        request=RegisterSerializer,
        responses={201: TokenUserSerializer, **BODY_ERRORS, 429: THROTTLED},
        summary="Create an account; returns its API token.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(RegisterSerializer, request)
        user, token = services.user_register(**data)
        return Response(
            {"token": token.key, "user": UserSerializer(user).data}, status=status.HTTP_201_CREATED
        )


class LoginView(PublicView):
    throttle_classes = [LoginThrottle]

    @extend_schema(
        tags=TAG,
        auth=[],
        request=LoginSerializer,
        responses={200: LoginResponseSerializer, **BODY_ERRORS, 429: THROTTLED},
        summary="Log in by username or email; returns a token and sets a session cookie.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(LoginSerializer, request)
        user = services.user_authenticate(request=request._request, **data)
        login(request._request, user)
        token = services.token_for(user)
        return Response(
            {"token": token.key, "user_id": user.pk, "email": user.email, "user": UserSerializer(user).data}
        )


class LogoutView(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={204: None, **AUTHENTICATED_ERRORS},
        summary="Delete the token used and end the session.",
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, Token):
            services.token_revoke(request.auth)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserView(APIView):
    http_method_names = ["get", "patch", "head", "options"]
    # Only bodies with an `email` count (see the throttles' docstring).
    throttle_classes = [EmailChangeThrottle, EmailChangeAccountThrottle]

    @extend_schema(
        tags=TAG,
        responses={200: UserSerializer, **READ_ERRORS},
        summary="The caller's account: id, username, email and names.",
    )
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        tags=TAG,
        request=UserUpdateSerializer,
        responses={200: UserSerializer, **AUTHENTICATED_ERRORS, **BODY_ERRORS, 429: THROTTLED},
        summary="Change the caller's account; a new `email` needs `current_password`.",
    )
    def patch(self, request: Request) -> Response:
        data = _valid(UserUpdateSerializer, request)
        current_password = data.pop("current_password", None)
        user = services.user_update(user=request.user, data=data, current_password=current_password)
        return Response(UserSerializer(user).data)


class ProfileView(APIView):
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        tags=TAG,
        responses={200: ProfileSerializer, **READ_ERRORS},
        summary="The caller's profile.",
    )
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(request.user.profile).data)

    @extend_schema(
        tags=TAG,
        request=ProfileSerializer(partial=True),
        responses={200: ProfileSerializer, **AUTHENTICATED_ERRORS, **BODY_ERRORS},
        summary="Change the caller's profile.",
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = services.profile_update(user=request.user, data=serializer.validated_data)
        return Response(ProfileSerializer(profile).data)


class PasswordChangeView(APIView):
    throttle_classes = [PasswordChangeThrottle, PasswordChangeAccountThrottle]

    @extend_schema(
        tags=TAG,
        request=PasswordChangeSerializer,
        responses={200: TokenSerializer, **AUTHENTICATED_ERRORS, **BODY_ERRORS, 429: THROTTLED},
        summary="Change the password; returns a new token, other sessions and tokens stop working.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(PasswordChangeSerializer, request)
        token = services.password_change(user=request.user, **data)
        # Keep the caller's own session (if any) valid; all others end. A
        # token caller has none, and must not be given a new empty one.
        if request._request.session.session_key is not None:
            update_session_auth_hash(request._request, request.user)
        return Response({"token": token.key})


class PasswordResetView(PublicView):
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(
        tags=TAG,
        auth=[],
        request=PasswordResetSerializer,
        responses={202: DetailSerializer, **BODY_ERRORS, 429: THROTTLED},
        summary="Mail a reset link; 202 whether or not the address is known.",
    )
    def post(self, request: Request) -> Response:
        services.password_reset_request(**_valid(PasswordResetSerializer, request))
        return Response(
            {"detail": "If the address belongs to an account, a reset link has been sent to it."},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(PublicView):
    @extend_schema(
        tags=TAG,
        auth=[],
        request=PasswordResetConfirmSerializer,
        responses={200: DetailSerializer, **BODY_ERRORS},
        summary="Set a new password with the uid and token from the mail.",
    )
    def post(self, request: Request) -> Response:
        services.password_reset_confirm(**_valid(PasswordResetConfirmSerializer, request))
        return Response({"detail": "Your password has been reset."})


@method_decorator(ensure_csrf_cookie, name="get")
class CsrfView(PublicView):
    @extend_schema(
        tags=TAG,
        auth=[],
        responses={200: CsrfSerializer},
        summary="Set the csrftoken cookie and return its value.",
    )
    def get(self, request: Request) -> Response:
        return Response({"csrfToken": get_token(request._request)})
