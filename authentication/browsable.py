"""Log-in and log-out for DRF's browsable API: `/api-auth/login/` and `/api-auth/logout/`.

The names and template are DRF's own (``rest_framework.urls``: the
``rest_framework:login`` and ``:logout`` routes the browsable API's navbar
links to), the views are not: DRF's are Django's plain ``LoginView``, which
would let a password guesser try from a second door at no cost. This one

- counts every POST with ``LoginThrottle``, the throttle of
  ``POST /api/auth/login/`` (the same scope, so one counter per client
  address for both doors); past the rate the form comes back unprocessed
  (no password checked) with status 429 and ``Retry-After``;
- checks the credentials with ``services.user_authenticate`` (username or
  email, the same error and the same cost for every failure), as the JSON
  login does;
- keeps Django's ``LoginView`` protections: CSRF (``csrf_protect``: a form
  posted from another site is a 403), ``sensitive_post_parameters``,
  ``never_cache``, a new session key on login, and ``next`` only to this
  host;
- sends its page with the browsable API's Content-Security-Policy.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from backend.middleware import BROWSABLE_API_POLICY, set_policy

from . import services
from .throttles import LoginThrottle

LOGIN_TEMPLATE = "rest_framework/login.html"
# Where a log-in or log-out without `next` lands: the API root.
LANDING = "/api/v1/"
THROTTLED_MESSAGE = "Too many login attempts from your address. Try again in {seconds} seconds."


class ServiceAuthenticationForm(AuthenticationForm):
    """Django's login form, deciding through ``services.user_authenticate`` (username or email)."""

    username = forms.CharField(label="Username or email", max_length=254)

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password") or ""
        if username and password:
            try:
                self.user_cache = services.user_authenticate(
                    request=self.request, username=username, password=password
                )
            except ValidationError:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledForm(ServiceAuthenticationForm):
    """The form shown past the rate: bound to the username only, its one error the wait; no check."""

    def __init__(self, *args, seconds: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seconds = seconds
        self.fields["password"].required = False

    def clean(self):
        raise ValidationError(THROTTLED_MESSAGE.format(seconds=self.seconds), code="throttled")


class BrowsableLoginView(auth_views.LoginView):
    # Django's FormView also takes PUT as a POST; a login form is GET and POST only.
    http_method_names = ["get", "post", "head", "options"]
    template_name = LOGIN_TEMPLATE
    authentication_form = ServiceAuthenticationForm
    next_page = LANDING

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        throttle = LoginThrottle()
        if not throttle.allow_request(request, None):
            return self.throttled(int(throttle.wait() or 1))
        return super().post(request, *args, **kwargs)

    def throttled(self, seconds: int) -> HttpResponse:
        # The password is never looked at, let alone checked.
        username = self.request.POST.get("username", "")
        form = ThrottledForm(request=self.request, data={"username": username}, seconds=seconds)
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        response["Retry-After"] = str(seconds)
        return response

    def render_to_response(self, context, **response_kwargs) -> HttpResponse:
        return set_policy(super().render_to_response(context, **response_kwargs), BROWSABLE_API_POLICY)


class BrowsableLogoutView(auth_views.LogoutView):
    """Django's: POST only (with the CSRF token), ends the session; the token stays valid."""

    next_page = LANDING
