from dataclasses import dataclass
from typing import Any

from django.db import transaction

from .models import Category, Department
from .selectors import category_cache_clear


@dataclass(frozen=True)
class TaxonomyLoadResult:
    departments: int
    categories: int


@transaction.atomic
def taxonomy_load(*, data: dict[str, Any]) -> TaxonomyLoadResult:
    """Create or update departments and the category tree from the taxonomy file's content.

    Idempotent: running it twice changes nothing. Categories missing from the file are kept
    (slugs never disappear, reports point at them) but are no longer offered.
    """
    departments = {}
    for item in data["departments"]:
        department, _ = Department.objects.update_or_create(
            code=item["code"], defaults={"name_nl": item["nl"], "name_en": item["en"]}
        )
        departments[department.code] = department

    seen: list[int] = []
    for main_position, main in enumerate(data["categories"]):
        parent, _ = Category.objects.update_or_create(
            path=main["slug"],
            defaults={
                "parent": None,
                "slug": main["slug"],
                "name_nl": main["nl"],
                "name_en": main["en"],
                "position": main_position,
                "is_active": True,
            },
        )
        seen.append(parent.pk)
        for position, sub in enumerate(main.get("sub", [])):
            department_code = sub.get("department")
            category, _ = Category.objects.update_or_create(
                path=f"{main['slug']}/{sub['slug']}",
                defaults={
                    "parent": parent,
                    "slug": sub["slug"],
                    "name_nl": sub["nl"],
                    "name_en": sub["en"],
                    "department": departments[department_code] if department_code else None,
                    "sla_working_days": sub.get("sla"),
                    "sla_hours": sub.get("sla_hours"),
                    "position": position,
                    "is_active": True,
                },
            )
            seen.append(category.pk)
    Category.objects.exclude(pk__in=seen).update(is_active=False)
    transaction.on_commit(category_cache_clear)
    return TaxonomyLoadResult(departments=len(departments), categories=len(seen))
