from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "backend.classification"
    label = "classification"

    def ready(self) -> None:
        from backend.reports.outbox import subscriber_register

        from .subscribers import record_suggestions

        subscriber_register("classification", record_suggestions)
