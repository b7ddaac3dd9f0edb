"""The handling time's index: the statistics' median is read from it in order (the middle of
the closed reports) instead of sorting them all. The times themselves are included, so the
walk reads the index alone (PostgreSQL does not return an expression's value from its index).
Built CONCURRENTLY."""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0018_overview_cells")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS report_handling_time ON reports_report "
            "((closed_at - created_at)) INCLUDE (created_at, closed_at, status, category_id, department_id) "
            "WHERE closed_at IS NOT NULL",
            "DROP INDEX CONCURRENTLY IF EXISTS report_handling_time",
        ),
    ]
