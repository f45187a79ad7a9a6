"""The Django admin with a throttled login form.

Installed through ``ThrottledAdminConfig`` (in INSTALLED_APPS in place of
``django.contrib.admin``), Django's documented way to replace the default
site, so ``admin.site`` and every ``@admin.register`` keep working.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse

from .throttles import AdminLoginThrottle

THROTTLED_MESSAGE = "Too many login attempts from your address. Try again in {seconds} seconds."


class ThrottledAdminSite(admin.AdminSite):
    """Counts every login POST per client address, in the same cache as the API throttles.

    Past the rate (``ADMIN_LOGIN_THROTTLE_RATE``) the form is shown again,
    unprocessed (no password is checked), with an error, status 429 and
    ``Retry-After``.
    """

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "POST":
            throttle = AdminLoginThrottle()
            if not throttle.allow_request(request, None):
                return self._throttled(request, int(throttle.wait() or 1), extra_context)
        return super().login(request, extra_context)

    def _throttled(self, request: HttpRequest, seconds: int, extra_context: dict | None) -> HttpResponse:
        messages.error(request, THROTTLED_MESSAGE.format(seconds=seconds))
        # The same page a GET shows: an empty form, the password never checked.
        request.method = "GET"
        response = super().login(request, extra_context)
        response.status_code = 429
        response["Retry-After"] = str(seconds)
        return response


class ThrottledAdminConfig(AdminConfig):
    default_site = "authentication.admin_site.ThrottledAdminSite"
