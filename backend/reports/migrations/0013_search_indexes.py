"""Full-text indexes for the dispatchers' search, and the orderings' keys.

The expressions are `backend/reports/search.py`'s REPORT_TEXT_VECTOR, verbatim: PostgreSQL uses
an expression index only for a query that repeats its expression. Built CONCURRENTLY, so a
large installation keeps taking reports while they build.
"""

from django.db import migrations

_VECTOR = "(to_tsvector('dutch'::regconfig, text) || to_tsvector('english'::regconfig, text))"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0012_work_queue")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS report_text_search ON reports_report "
            f"USING gin ({_VECTOR})",
            "DROP INDEX CONCURRENTLY IF EXISTS report_text_search",
        ),
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS note_text_search ON reports_note "
            f"USING gin ({_VECTOR})",
            "DROP INDEX CONCURRENTLY IF EXISTS note_text_search",
        ),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS report_updated ON reports_report "
            "(updated_at, id)",
            "DROP INDEX CONCURRENTLY IF EXISTS report_updated",
        ),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS report_deadline ON reports_report "
            "(deadline, id)",
            "DROP INDEX CONCURRENTLY IF EXISTS report_deadline",
        ),
    ]
