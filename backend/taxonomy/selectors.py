from django.db.models import Prefetch, QuerySet

from .models import Category, Department


def category_tree() -> QuerySet[Category]:
    """Active main categories with their active sub categories prefetched."""
    subs = Category.objects.filter(is_active=True).select_related("department")
    return Category.objects.filter(parent__isnull=True, is_active=True).prefetch_related(
        Prefetch("children", queryset=subs)
    )


def category_by_path(path: str) -> Category | None:
    """An active sub category by its "main/sub" slug."""
    return (
        Category.objects.select_related("parent", "department")
        .filter(path=path, parent__isnull=False, is_active=True)
        .first()
    )


def department_by_code(code: str) -> Department | None:
    return Department.objects.filter(code=code, is_active=True).first()
