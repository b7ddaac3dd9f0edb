from django.apps import AppConfig


class ContractorsConfig(AppConfig):
    name = "backend.contractors"
    label = "contractors"
    default_auto_field = "django.db.models.BigAutoField"
