from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand

from backend.taxonomy.services import taxonomy_load


class Command(BaseCommand):
    help = "Create or update departments and categories from a taxonomy YAML file."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(Path(settings.BASE_DIR) / "fixtures" / "taxonomy.yaml")
        )

    def handle(self, *args, path, **options):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        result = taxonomy_load(data=data)
        self.stdout.write(
            f"taxonomy: {result.departments} departments, {result.categories} categories"
        )
