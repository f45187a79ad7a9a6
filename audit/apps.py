from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # The recorder records every model registered with the policy (api.policy.register),
        # whichever app registered it, and whenever.
        from . import policy, recorder  # noqa: F401 (registers the history's policy)

        recorder.connect()
