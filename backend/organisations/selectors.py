from .models import Contractor


def contractor_by_code(code: str) -> Contractor | None:
    return Contractor.objects.filter(code=code, is_active=True).first()
