"""Indexes for the dispatchers' lists at a million reports.

- the stored search vector's GIN index replaces the expression index on the text (0013);
- the status index carries the id, so a count by status is read from the index alone;
- the report-area links are indexed by area and report together: an area filter is an
  index-only scan joined to the status index;
- the deadline ordering's key, COALESCE(deadline, the far future), is indexed as the list
  sorts by it (search.py's _sort_key), alone and within a status: a queue "in progress, by
  deadline" reads its first page from the index.

Built CONCURRENTLY, so a large installation keeps taking reports while they build.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

_KEY = "(COALESCE(deadline, '9999-01-01 00:00:00+00'::timestamptz))"


def _index(
    name: str, definition: str, *, table: str = "reports_report", using: str = ""
) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {using}({definition})",
        f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0014_search_vector")]

    operations = [
        _index("report_search_vector", "search_vector", using="USING gin "),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS report_text_search",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS report_text_search ON reports_report USING "
            "gin ((to_tsvector('dutch'::regconfig, text) || to_tsvector('english'::regconfig, text)))",
        ),
        AddIndexConcurrently(
            model_name="report",
            index=models.Index(
                fields=["status", "-created_at"], include=["id"], name="report_status_created_id"
            ),
        ),
        RemoveIndexConcurrently(model_name="report", name="report_status_created"),
        _index("report_area_links", "area_id, report_id", table="reports_report_areas"),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS reports_report_areas_area_id_38addc4b",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_report_areas_area_id_38addc4b "
            "ON reports_report_areas (area_id)",
        ),
        _index("report_deadline_key", f"{_KEY}, id"),
        _index("report_status_deadline_key", f"status, {_KEY}, id"),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS report_deadline",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS report_deadline ON reports_report (deadline, id)",
        ),
    ]
