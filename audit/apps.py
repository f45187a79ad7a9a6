from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # After every app's models and policies are loaded: the recorder hooks every model
        # registered with the policy (api.policy.register), whichever app registered it.
        from . import policy, recorder  # noqa: F401 (registers the history's policy)

        recorder.connect_registered_models()
