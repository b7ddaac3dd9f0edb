"""Migration 0010 numbers the reports that existed before short ids, oldest first, each in the
year of its creation in the municipality's time zone; the column is required after."""

from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("reports", "0009_attachment_claimed_at")]


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "reports"]


def test_existing_reports_get_their_numbers_in_order():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old_apps = executor.loader.project_state(BEFORE).apps
        Report = old_apps.get_model("reports", "Report")
        created = {
            "june-2025": datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
            # 23:30 UTC on New Year's Eve is 2026 in Amsterdam
            "new-year-2026": datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
            "feb-2026": datetime(2026, 2, 1, 12, 0, tzinfo=UTC),
            "march-2025": datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        }
        for name, at in created.items():
            Report.objects.create(
                tracking_token_hash=name,
                location=Point(4.89, 52.37, srid=4326),
                text=name,
                created_at=at,
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(_latest())

    from backend.reports.models import Report as Current

    ids = dict(Current.objects.values_list("text", "short_id"))
    assert all(v is not None for v in ids.values())

    def number(name: str) -> tuple[str, int]:
        prefix, year, n = ids[name].split("-")
        assert prefix == "M" and len(n) >= 6
        return year, int(n)

    assert number("march-2025")[0] == number("june-2025")[0] == "2025"
    assert number("june-2025")[1] == number("march-2025")[1] + 1
    assert number("new-year-2026")[0] == number("feb-2026")[0] == "2026"
    assert number("feb-2026")[1] == number("new-year-2026")[1] + 1
    # new reports go on numbering from there
    with connection.cursor() as cursor:
        cursor.execute("SELECT reports_short_id('M', 2026)")
        assert cursor.fetchone()[0] == f"M-2026-{number('feb-2026')[1] + 1:06d}"
        cursor.execute(
            "SELECT is_nullable FROM information_schema.columns"
            " WHERE table_name = 'reports_report' AND column_name = 'short_id'"
        )
        assert cursor.fetchone()[0] == "NO"
