import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.classification.evaluation import cross_validate


class Command(BaseCommand):
    help = (
        "Measure the report classifier: `evaluate` cross-validates ours and the Signalen baseline."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        evaluate = commands.add_parser(
            "evaluate", help="stratified k-fold CV of ours and the Signalen baseline on a CSV"
        )
        evaluate.add_argument("--data", required=True, help="a labelled CSV file")
        evaluate.add_argument("--text-column", default="text")
        evaluate.add_argument("--label-column", default="label")
        evaluate.add_argument("--folds", type=int, default=5)
        evaluate.add_argument("--seed", type=int, default=42)

    def handle(self, *args, action, **options):
        if action == "evaluate":
            self._evaluate(**options)

    def _evaluate(self, *, data, text_column, label_column, folds, seed, **_):
        path = Path(data)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {text_column, label_column} - set(reader.fieldnames or [])
            if missing:
                raise CommandError(
                    f"{path}: no column {', '.join(sorted(missing))}; "
                    f"it has {', '.join(reader.fieldnames or [])}"
                )
            rows = [
                (row[text_column].strip(), row[label_column].strip())
                for row in reader
                if row[text_column].strip() and row[label_column].strip()
            ]
        labels = [label for _, label in rows]
        smallest = min((labels.count(label) for label in set(labels)), default=0)
        if folds < 2 or smallest < folds:
            raise CommandError(
                f"every label needs at least --folds ({folds}) rows; the rarest has {smallest}"
            )
        result = cross_validate([text for text, _ in rows], labels, folds=folds, seed=seed)
        self.stdout.write(json.dumps(result))
