from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "backend.notifications"
    label = "notifications"

    def ready(self) -> None:
        from backend.reports.outbox import subscriber_register

        from .delivery import deliveries_create
        from .realtime import realtime_publish

        subscriber_register("realtime", realtime_publish)
        subscriber_register("deliveries", deliveries_create)
