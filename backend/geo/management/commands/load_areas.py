from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.common.progress import progress_bar, summary_print
from backend.geo.services import AreaImportError, area_feature_count, area_import


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
            total = area_feature_count(path=Path(path), layer=layer)
            with progress_bar(
                f"areas ({type}) from {Path(path).name}", total=total, stream=self.stderr
            ) as advance:
                result = area_import(
                    path=Path(path),
                    type=type,
                    code_field=code_field,
                    name_field=name_field,
                    layer=layer,
                    on_progress=advance,
                )
        except AreaImportError as exc:
            raise CommandError(str(exc)) from exc
        summary_print(
            f"load_areas {path} --type {type}",
            [("created", result.created), ("updated", result.updated)],
            stream=self.stdout,
        )
