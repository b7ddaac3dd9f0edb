"""Writes of the routing app: loading and activating rule set versions."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from backend.common.errors import DomainValidationError

from .active import active_ruleset
from .models import RuleSet
from .validation import Problem, content_hash, ruleset_validate

_LOAD_LOCK = 7_406_420_001  # an arbitrary key for pg_advisory_xact_lock, unique in this project


class RuleSetInvalid(DomainValidationError):
    """A refused rule set, with every problem (file, rule, field) found in it."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        fields: dict[str, list[str]] = {}
        for problem in problems:
            rule = f"rule {problem.rule}: " if problem.rule else ""
            fields.setdefault(f"files.{problem.file}{problem.field}", []).append(
                f"{rule}{problem.message}"
            )
        super().__init__(fields)
        self.problems = problems
        self.warnings = warnings or []


@dataclass(frozen=True)
class RuleSetLoadResult:
    ruleset: RuleSet
    created: bool  # False: this exact content was loaded before and is now (again) active
    warnings: list[Problem]


def ruleset_activate(*, ruleset: RuleSet) -> RuleSet:
    """Make this version the one every process routes with (within the reload interval)."""
    with transaction.atomic():
        RuleSet.objects.filter(is_active=True).exclude(pk=ruleset.pk).update(is_active=False)
        if not ruleset.is_active:
            ruleset.is_active = True
            ruleset.activated_at = timezone.now()
            ruleset.save(update_fields=["is_active", "activated_at"])
        transaction.on_commit(active_ruleset.forget)
    return ruleset


def ruleset_load(*, files: dict[str, str], loaded_by=None) -> RuleSetLoadResult:
    """Validate a whole set, store it as a new version and activate it.

    An invalid set is refused as a whole (RuleSetInvalid, every problem listed) and the active
    version stays active. The same content as an earlier version re-activates that version.
    """
    validation = ruleset_validate(files)
    if not validation.ok:
        raise RuleSetInvalid(validation.errors, validation.warnings)
    digest = content_hash(files)
    with transaction.atomic():
        # One loader at a time (even before any version exists): versions are handed out in
        # order and the content hash is looked up before anyone else can store it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOAD_LOCK])
        existing = RuleSet.objects.filter(content_hash=digest).first()
        if existing is not None:
            return RuleSetLoadResult(ruleset_activate(ruleset=existing), False, validation.warnings)
        latest = RuleSet.objects.aggregate(v=Max("version"))["v"] or 0
        ruleset = RuleSet.objects.create(
            version=latest + 1,
            content_hash=digest,
            files=dict(sorted(files.items())),
            rule_count=validation.rule_count,
            warnings=[w.as_dict() for w in validation.warnings],
            loaded_by=loaded_by,
        )
        ruleset_activate(ruleset=ruleset)
    return RuleSetLoadResult(ruleset, True, validation.warnings)
