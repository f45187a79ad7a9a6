from django.apps import AppConfig


class AuthenticationConfig(AppConfig):
    name = "authentication"
    verbose_name = "Authentication"

    def ready(self) -> None:
        from . import revocation, signals  # noqa: F401  (connect their signal receivers)
