from django.apps import AppConfig


class GraphqlApiConfig(AppConfig):
    name = "graphql_api"
    verbose_name = "GraphQL API"

    def ready(self) -> None:
        # Load, parse and validate the trusted documents now: a manifest
        # document the schema refuses stops the start, naming the operation.
        from .persisted import get_manifest

        get_manifest()
