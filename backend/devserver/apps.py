from django.apps import AppConfig


class DevServerConfig(AppConfig):
    name = "backend.devserver"
    label = "devserver"
