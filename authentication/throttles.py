"""Per-client throttles for the endpoints that guess or spray credentials."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class AuthRateThrottle(SimpleRateThrottle):
    """Counts requests per client address in the default cache.

    The rate is ``AUTH_THROTTLE_RATE`` (default ``10/min``), read on every
    request rather than at import so that settings overrides apply. With
    ``REDIS_URL`` set the cache is shared, so the limit holds across workers.
    Each endpoint has its own scope: a burst of logins does not lock a client
    out of password reset.
    """

    def get_rate(self) -> str:
        return settings.AUTH_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(AuthRateThrottle):
    scope = "login"


class RegisterThrottle(AuthRateThrottle):
    scope = "register"


class PasswordResetThrottle(AuthRateThrottle):
    scope = "password_reset"
