import csv
from json import dumps
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.classification.evaluation import cross_validate
from backend.classification.models import ClassifierModel
from backend.classification.services import TRAIN_STEPS, classifier_train
from backend.common.progress import progress_bar, summary_print


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
        train = commands.add_parser(
            "train", help="train on the seed corpus and dispatchers' labels; activate if better"
        )
        train.add_argument("--force", action="store_true", help="activate even if worse")
        train.add_argument(
            "--if-none-active", action="store_true", help="only train when no version is active"
        )
        train.add_argument(
            "--json", action="store_true", help="the summary as one JSON line (for scripts)"
        )
        commands.add_parser("status", help="the versions and which one is active")

    def handle(self, *args, action, **options):
        if action == "evaluate":
            self._evaluate(**options)
        elif action == "train":
            self._train(**options)
        elif action == "status":
            self._status()

    def _train(self, *, force, if_none_active, json: bool = False, **_):
        if if_none_active and ClassifierModel.objects.filter(is_active=True).exists():
            self.stdout.write("classifier: a version is active; not training")
            return
        with progress_bar(
            "training the classifier", total=len(TRAIN_STEPS), stream=self.stderr
        ) as advance:
            result = classifier_train(force=force, on_step=lambda _: advance(1))
        model = result.model
        summary = {
            "version": model.version,
            "activated": result.activated,
            "reason": result.reason,
            "rows": model.training_rows,
            "train_seconds": model.train_seconds,
            "holdout": {"sub": model.metrics["sub"], "main": model.metrics["main"]},
            "active_on_same_holdout": (
                {"sub": result.active_metrics["sub"], "main": result.active_metrics["main"]}
                if result.active_metrics
                else None
            ),
        }
        if json:
            self.stdout.write(dumps(summary))
            return
        active = result.active_metrics
        summary_print(
            "classifier train",
            [
                ("version", model.version),
                ("activated", "yes" if result.activated else "no"),
                ("reason", result.reason),
                ("training rows", model.training_rows),
                ("seconds", model.train_seconds),
                ("sub macro-F1", model.metrics["sub"]["macro_f1"]),
                ("main macro-F1", model.metrics["main"]["macro_f1"]),
                ("active's sub macro-F1", active["sub"]["macro_f1"] if active else "-"),
            ],
            stream=self.stdout,
        )

    def _status(self):
        for model in ClassifierModel.objects.order_by("-created_at")[:20]:
            flag = "*" if model.is_active else " "
            sub = model.metrics["sub"]
            self.stdout.write(
                f"{flag} {model.version}  rows={model.training_rows}  "
                f"sub macro-F1={sub['macro_f1']}  accuracy={sub['accuracy']}"
            )

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
        self.stdout.write(dumps(result))
