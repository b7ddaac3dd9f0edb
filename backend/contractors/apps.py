from django.apps import AppConfig


class ContractorsConfig(AppConfig):
    name = "backend.contractors"
    label = "contractors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from backend.reports.outbox import subscriber_register

        from .subscriber import contractors_publish

        subscriber_register("contractors", contractors_publish)
