"""Reports made through the real service, as the API would make them."""

from django.contrib.gis.geos import Point

from backend.reports.models import Report
from backend.reports.services import report_create
from backend.taxonomy.selectors import category_by_path
from tests.conftest import DAM


def make_report(
    *,
    text: str = "De container is vol",
    category: str | None = "afval/container-is-vol",
    at: tuple[float, float] = DAM,
    **kwargs,
) -> Report:
    return report_create(
        text=text,
        location=Point(at[1], at[0], srid=4326),
        category=category_by_path(category) if category else None,
        **kwargs,
    ).report
