import time

from django.db.models import Prefetch, QuerySet

from .models import Category, Department


def category_tree() -> QuerySet[Category]:
    """Active main categories with their active sub categories prefetched."""
    subs = Category.objects.filter(is_active=True).select_related("department")
    return Category.objects.filter(parent__isnull=True, is_active=True).prefetch_related(
        Prefetch("children", queryset=subs)
    )


# Every intake looks its category up; the tree changes a few times a year. Each process keeps
# it for a short while, and taxonomy_load clears the copy of the process that changed it.
_CACHE_SECONDS = 60.0
_sub_categories: dict[str, Category] = {}
_loaded_at = -_CACHE_SECONDS


def category_cache_clear() -> None:
    global _loaded_at
    _sub_categories.clear()
    _loaded_at = -_CACHE_SECONDS


def category_by_path(path: str) -> Category | None:
    """An active sub category by its "main/sub" slug."""
    global _loaded_at
    now = time.monotonic()
    if now - _loaded_at > _CACHE_SECONDS:
        fresh = {
            c.path: c
            for c in Category.objects.select_related("parent", "department").filter(
                parent__isnull=False, is_active=True
            )
        }
        _sub_categories.clear()
        _sub_categories.update(fresh)
        _loaded_at = now
    return _sub_categories.get(path)


def department_by_code(code: str) -> Department | None:
    return Department.objects.filter(code=code, is_active=True).first()


def category_by_any_path(path: str) -> Category | None:
    """A category, main ("main") or sub ("main/sub"), active or not: a filter may ask for
    reports of a category retired since."""
    return Category.objects.filter(path=path).first()


def department_by_any_code(code: str) -> Department | None:
    return Department.objects.filter(code=code).first()


def departments_all() -> QuerySet[Department]:
    """Every department, by name: the console's choices."""
    return Department.objects.order_by("name_nl")
