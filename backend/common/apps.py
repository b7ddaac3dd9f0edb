from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "backend.common"
    label = "common"

    def ready(self) -> None:
        # Here, not in a system check: ready() runs wherever Django starts (uvicorn through
        # asgi.py, Celery's worker and beat, every manage.py command), while system checks run
        # only for some commands and never under uvicorn or Celery.
        from .tokens import secrets_refuse_public

        secrets_refuse_public()
