from django.apps import AppConfig


class GuideAppConfig(AppConfig):
    name = "tests.guide_app"
    label = "guide_app"
    default_auto_field = "django.db.models.BigAutoField"
