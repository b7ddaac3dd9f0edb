from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "backend.classification"
    label = "classification"
