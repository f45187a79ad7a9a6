from django.apps import AppConfig
from django.conf import settings


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API data"

    def ready(self) -> None:
        # Before the first request handler is built: Django's tracing middleware
        # joins MIDDLEWARE here (backend.tracing). Off, nothing is imported.
        if settings.TRACING:
            from backend.tracing import instrument

            instrument()
