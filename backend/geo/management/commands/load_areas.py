from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.geo.services import AreaImportError, area_import


class Command(BaseCommand):
    help = "Import areas from any OGR-readable file (GeoJSON, GeoPackage, Shapefile)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--type", required=True, help="area type, e.g. municipality, district")
        parser.add_argument("--code-field", default="code")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--layer", type=int, default=0)

    def handle(self, *args, path, type, code_field, name_field, layer, **options):
        try:
            result = area_import(
                path=Path(path),
                type=type,
                code_field=code_field,
                name_field=name_field,
                layer=layer,
            )
        except AreaImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"areas ({type}): {result.created} created, {result.updated} updated")
