"""The reference server's routes: the schema at /graphql/, and a health check to wait for."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from .views import ReferenceView


def health(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("graphql/", ReferenceView.as_view(), name="reference-graphql"),
    path("health/", health, name="reference-health"),
]
