from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.common.progress import progress_bar, summary_print
from backend.geo.address_files import AddressFileError, address_file_open
from backend.geo.services import addresses_load

# Bad records listed one by one in the summary; the rest are counted.
_BAD_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Load a municipal address extract: a CSV with columns street, number, suffix, "
        "postcode, city, lat, lon (BAG-like), or GeoJSON points with those properties. "
        "Loading again updates what changed and never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            file = address_file_open(Path(path))
        except AddressFileError as exc:
            raise CommandError(str(exc)) from exc
        with progress_bar(
            f"addresses from {Path(path).name}", total=file.total, stream=self.stderr
        ) as advance:
            result = addresses_load(source=file, on_progress=advance)
        summary_print(
            f"load_addresses {path}",
            [
                ("created", result.created),
                ("updated", result.updated),
                ("unchanged", result.unchanged),
                ("bad records (skipped)", len(result.bad)),
            ],
            stream=self.stdout,
        )
        for bad in result.bad[:_BAD_SHOWN]:
            self.stderr.write(f"{path}, {bad.where}: {bad.message}")
        if len(result.bad) > _BAD_SHOWN:
            self.stderr.write(f"... and {len(result.bad) - _BAD_SHOWN} more bad records")
