"""Top-level routes. Each surface owns its own urls module."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from graphql_api.views import GraphQLView

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("api/", views.index, name="api-index"),
    path("admin/", admin.site.urls),
    path("api/auth/", include("authentication.urls")),
    # The browsable API's log-in/log-out links (DRF's names, throttled views).
    path("api-auth/", include("authentication.browsable_urls")),
    path("api/v1/", include("api.v1.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", views.SwaggerUIView.as_view(url_name="schema"), name="swagger-ui"),
    path("graphql/", GraphQLView.as_view(), name="graphql"),
    path("health/", views.health, name="health"),
    path("ready/", views.ready, name="ready"),
]

handler400 = "backend.views.bad_request"
handler403 = "backend.views.permission_denied"
handler404 = "backend.views.page_not_found"
handler500 = "backend.views.server_error"
