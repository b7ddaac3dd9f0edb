"""`routing_rules check|load|test|explain`: the municipality's rule files from the shell."""

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.routing.active import compile_files
from backend.routing.cases import cases_run
from backend.routing.selectors import routing_explain
from backend.routing.services import RuleSetInvalid, ruleset_load
from backend.routing.validation import files_read, rules_dir, ruleset_validate


class Command(BaseCommand):
    help = "Check, load (validate, store, activate), test or explain the routing rules."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate DIR; exit 1 on errors")
        check.add_argument("dir", nargs="?")
        load = sub.add_parser("load", help="validate, store and activate DIR")
        load.add_argument("dir", nargs="?")
        test = sub.add_parser("test", help="run golden cases against DIR's rules (no activation)")
        test.add_argument("cases_dir", nargs="?")
        test.add_argument("--rules", dest="rules_dir")
        explain = sub.add_parser("explain", help="route a hypothetical report with the active set")
        explain.add_argument("--lat", type=float, required=True)
        explain.add_argument("--lon", type=float, required=True)
        explain.add_argument("--category", required=True)
        explain.add_argument("--text", default="")
        explain.add_argument("--source", default="app")
        explain.add_argument("--priority", default="normal")
        explain.add_argument("--at", help="ISO 8601 time, default now")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _directory(self, value: str | None) -> Path:
        directory = Path(value) if value else rules_dir()
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        return directory

    def _check(self, dir=None, **_):
        directory = self._directory(dir)
        result = ruleset_validate(files_read(directory))
        for warning in result.warnings:
            self.stdout.write(f"warning: {warning}")
        for error in result.errors:
            self.stderr.write(f"error: {error}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} error(s) in {directory}")
        self.stdout.write(f"{directory}: {result.rule_count} rules, OK")

    def _load(self, dir=None, **_):
        directory = self._directory(dir)
        try:
            result = ruleset_load(files=files_read(directory))
        except RuleSetInvalid as exc:
            for error in exc.problems:
                self.stderr.write(f"error: {error}")
            raise CommandError(
                f"{len(exc.problems)} error(s): nothing loaded, the active set stays active"
            ) from exc
        for warning in result.warnings:
            self.stdout.write(f"warning: {warning}")
        ruleset = result.ruleset
        state = "stored and activated" if result.created else "unchanged content, activated"
        self.stdout.write(f"rule set v{ruleset.version} ({ruleset.rule_count} rules): {state}")

    def _test(self, cases_dir=None, rules_dir=None, **_):
        rules = self._directory(rules_dir)
        cases = Path(cases_dir) if cases_dir else rules / "cases"
        files = files_read(rules)
        validation = ruleset_validate(files)
        if validation.errors:
            for error in validation.errors:
                self.stderr.write(f"error: {error}")
            raise CommandError("the rules are invalid; no case was run")
        results = cases_run(cases, compile_files(files))
        failed = [r for r in results if not r.ok]
        for result in failed:
            self.stderr.write(f"FAIL {result.file}: {result.name}: " + "; ".join(result.failures))
        self.stdout.write(f"{len(results) - len(failed)} passed, {len(failed)} failed")
        if failed or not results:
            raise CommandError("golden cases failed" if failed else f"no cases in {cases}")

    def _explain(self, lat, lon, category, text, source, priority, at=None, **_):
        explanation = routing_explain(
            lat=lat,
            lon=lon,
            category=category,
            text=text,
            source=source,
            priority=priority,
            at=datetime.fromisoformat(at) if at else None,
        )
        decision = explanation.decision
        self.stdout.write(f"areas: {', '.join(explanation.areas) or '-'}")
        for entry in explanation.trace:
            why = (
                f"failed on {entry.condition} ({entry.detail})"
                if entry.condition
                else entry.outcome
            )
            self.stdout.write(f"  {entry.file} {entry.rule}: {why}")
        who = f"contractor {decision.contractor} for " if decision.contractor else ""
        self.stdout.write(
            f"decision: {who}department {decision.department} by {decision.reason}"
            f" (rule {decision.rule or '-'}, rule set v{decision.ruleset_version or '-'})"
            f" priority={decision.priority or '-'} deadline={decision.deadline or '-'}"
            f" needs_triage={decision.needs_triage}"
        )
