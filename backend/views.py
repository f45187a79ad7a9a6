"""Project-level views: the index of entry points, liveness, readiness and JSON error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularSwaggerSplitView

from .draining import draining
from .errors import DATABASE_UNAVAILABLE, is_cache_unavailable, json_error
from .metrics import record_availability
from .middleware import PAGE_POLICY, set_policy

logger = logging.getLogger(__name__)
READY_PROBE_KEY = "ready:probe"


# Route names of the entry points `/` and `/api/` list, by the key each is listed under.
ENTRY_POINTS = {
    "rest": "api-root",
    "auth_login": "auth:login",
    "browsable_api_login": "rest_framework:login",
    "openapi_schema": "schema",
    "swagger_ui": "swagger-ui",
    "graphql": "graphql",
    "health": "health",
    "ready": "ready",
}


def index(request: HttpRequest) -> JsonResponse:
    """`/` and `/api/`: where each surface is, as absolute URLs, so neither address is a bare 404."""
    if request.method not in {"GET", "HEAD"}:
        # `/` is no API path, so the JSON error middleware would leave Django's HTML 405 here.
        return json_error(f'Method "{request.method}" not allowed.', 405, Allow="GET, HEAD")
    body: dict[str, str | None] = {
        key: request.build_absolute_uri(reverse(name)) for key, name in ENTRY_POINTS.items()
    }
    body["graphiql"] = body["graphql"] if settings.GRAPHIQL_ENABLED else None
    return JsonResponse(body)


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches no database on purpose."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database answers a query, else 503; the cache's state reported.

    503 ``{"status": "draining"}`` once the process received SIGTERM.

    A shared cache (Redis) that is down does not make the node unready: every
    node shares it, so failing them all would turn "logins answer 503" into
    "nothing answers". The body says ``"redis": "unavailable"`` and
    ``"status": "degraded"`` for monitoring instead.
    """
    if draining.is_set():
        # Stopping (SIGTERM): still answering, but send nothing new here (backend/draining.py).
        return JsonResponse({"status": "draining"}, status=503, headers={"Retry-After": "5"})
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        record_availability(database=False, redis=None)
        return json_error(DATABASE_UNAVAILABLE, 503, Retry_After="5")
    body = {"status": "ok", "database": "ok"}
    redis_answers = _cache_answers() if settings.REDIS_URL else None
    record_availability(database=True, redis=redis_answers)
    if redis_answers is not None:
        body["redis"] = "ok" if redis_answers else "unavailable"
        if not redis_answers:
            body["status"] = "degraded"
    return JsonResponse(body)


def _cache_answers() -> bool:
    try:
        cache.get(READY_PROBE_KEY)
    except Exception as exc:  # any failure of the cache means "not answering"
        if not is_cache_unavailable(exc):
            logger.warning("cache probe failed: %s", exc)
        return False
    return True


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        return json_error("Request body too large.", 413)
    return json_error("Bad request.", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error("You do not have permission to perform this action.", 403)


def _is_admin(request: HttpRequest) -> bool:
    return request.path.startswith("/admin/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_admin(request):
        return defaults.page_not_found(request, exception)
    return json_error("Not found.", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_admin(request):
        return defaults.server_error(request)
    return json_error("Server error.", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """Same shape as DRF's SessionAuthentication CSRF refusal."""
    return json_error(f"CSRF Failed: {reason}", 403)


class SwaggerUIView(SpectacularSwaggerSplitView):
    """The Swagger UI page, for GET and HEAD only, with every file served by this backend.

    Its only renderer is an HTML template that needs the page's data, so an
    OPTIONS request (DRF's metadata) failed to render: a 500. Now a 405.

    The split view serves the page's start-up script as a file of its own
    (``?script``) instead of inline, and the template keeps no inline style,
    so the page runs under ``PAGE_POLICY``: scripts and styles from this
    origin only. Swagger UI itself comes from drf-spectacular-sidecar.
    """

    http_method_names = ["get", "head"]
    template_name = "backend/swagger_ui.html"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and request.GET.get("script") is None:
            set_policy(response, PAGE_POLICY)
        return response
