"""Per-client (and per-account) throttles for the endpoints that guess or spray credentials.

Every throttle keys on ``client_address``: the one rule for "who is calling"
(see its docstring). Counts live in the default cache, so with ``REDIS_URL``
set they are shared by every worker process and machine.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

from backend.ratelimit import ReportsRateLimit


def client_address(request: HttpRequest) -> str:
    """The address of the client, as far as this deployment can know it.

    With no trusted proxy (``NUM_PROXIES=0``) it is the connecting address,
    ``REMOTE_ADDR``: any ``X-Forwarded-For`` header came from the client and
    is ignored. With ``NUM_PROXIES=n`` each of the n proxies appended the
    address it saw, so the n-th address from the right is the one the first
    trusted proxy saw; everything to its left was written by the client. When
    the header holds fewer than n addresses the request did not pass through
    all the proxies, and the connecting address is used.

    DRF's own ``get_ident`` differs in two ways we cannot accept: with
    ``NUM_PROXIES`` unset it keys on the whole (client-written) header, and
    with a short header it takes the left-most (client-written) entry.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies: int = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    # Bounded: a proxy-written address is short; a longer one is garbage.
    return hops[-proxies][:64]


class AuthRateThrottle(ReportsRateLimit, SimpleRateThrottle):
    """Counts requests per client address in the default cache.

    Every answer it counted carries ``RateLimit-Policy`` and ``RateLimit``
    (backend.ratelimit), named by its scope.

    The rate is read from the setting named by ``rate_setting`` on every
    request (not at import) so that settings overrides apply; each defaults
    to ``AUTH_THROTTLE_RATE`` (``10/min``). Each endpoint has its own scope: a
    burst of logins does not lock a client out of password reset.
    """

    rate_setting = "AUTH_THROTTLE_RATE"

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def get_ident(self, request) -> str:
        return client_address(request)

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AccountRateThrottle(AuthRateThrottle):
    """Counts per signed-in account, whatever address the requests come from.

    A stolen token used from many addresses still gets only the rate.
    Anonymous requests are not counted here (they are refused before).
    """

    def get_cache_key(self, request, view) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"user-{user.pk}"}


class LoginThrottle(AuthRateThrottle):
    scope = "login"


class RegisterThrottle(AuthRateThrottle):
    scope = "register"


class PasswordResetThrottle(AuthRateThrottle):
    scope = "password_reset"


class PasswordChangeThrottle(AuthRateThrottle):
    """Every ``old_password`` guess counts, right or wrong."""

    scope = "password_change"
    rate_setting = "PASSWORD_CHANGE_THROTTLE_RATE"


class PasswordChangeAccountThrottle(AccountRateThrottle):
    scope = "password_change_account"
    rate_setting = "PASSWORD_CHANGE_THROTTLE_RATE"


class _EmailChangeMixin:
    """Only a request that asks to change the email counts.

    Renaming oneself or fixing a typo in the first name is not limited; a
    body with an ``email`` key is (its answer tells whether an address is
    taken, and it carries a ``current_password`` guess).
    """

    def allow_request(self, request, view) -> bool:
        data = request.data
        if not (hasattr(data, "keys") and "email" in data):
            return True
        return super().allow_request(request, view)  # type: ignore[misc]


class EmailChangeThrottle(_EmailChangeMixin, AuthRateThrottle):
    scope = "email_change"
    rate_setting = "EMAIL_CHANGE_THROTTLE_RATE"


class EmailChangeAccountThrottle(_EmailChangeMixin, AccountRateThrottle):
    scope = "email_change_account"
    rate_setting = "EMAIL_CHANGE_THROTTLE_RATE"


class AdminLoginThrottle(AuthRateThrottle):
    """The Django admin's login form (a plain Django view, not DRF)."""

    scope = "admin_login"
    rate_setting = "ADMIN_LOGIN_THROTTLE_RATE"
