from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "backend.taxonomy"
    label = "taxonomy"
