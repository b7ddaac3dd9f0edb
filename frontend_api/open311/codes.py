"""Open311's service_code for a sub category: its "main/sub" path with a dot for the slash, so
that it fits in a path (`services/afval.container-is-vol.json`); slugs never hold a dot."""

from backend.taxonomy.models import Category


def service_code_of(category: Category | None) -> str:
    return category.path.replace("/", ".") if category is not None else ""


def path_of_service_code(code: str) -> str:
    return code.strip().replace(".", "/")
