"""A department code, contractor code or category path in a request, resolved to what it names,
or a 400 naming the field: every staff input that takes one reads it here."""

from collections.abc import Callable

from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.organisations.models import Contractor
from backend.organisations.selectors import contractor_by_code
from backend.taxonomy.models import Category, Department
from backend.taxonomy.selectors import category_by_path, department_by_code


def department_named(
    code: str, lookup: Callable[[str], Department | None] = department_by_code
) -> Department:
    department = lookup(code)
    if department is None:
        raise serializers.ValidationError(_("Unknown department %(value)r.") % {"value": code})
    return department


def contractor_named(code: str) -> Contractor:
    contractor = contractor_by_code(code)
    if contractor is None:
        raise serializers.ValidationError(_("Unknown contractor %(value)r.") % {"value": code})
    return contractor


def category_named(
    path: str, lookup: Callable[[str], Category | None] = category_by_path
) -> Category:
    category = lookup(path)
    if category is None:
        raise serializers.ValidationError(_("Unknown category %(value)r.") % {"value": path})
    return category
