from django.db.models import QuerySet

from .models import Contractor


def contractor_by_code(code: str) -> Contractor | None:
    return Contractor.objects.filter(code=code, is_active=True).first()


def contractors_active() -> QuerySet[Contractor]:
    """The contractors work may go to, by name: the console's choices."""
    return Contractor.objects.filter(is_active=True).order_by("name")
