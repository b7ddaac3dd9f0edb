import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Drop the report_id index of the events: the unique (report_id, seq) index covers it.

    Only the index: Django's own AlterField would also drop and re-add the foreign key, which
    re-checks every event under a lock.
    """

    dependencies = [
        ("reports", "0006_report_contractor_merged_into"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reportevent",
                    name="report",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="reports.report",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS reports_reportevent_report_id_5031d186",
                    "CREATE INDEX IF NOT EXISTS reports_reportevent_report_id_5031d186"
                    " ON reports_reportevent (report_id)",
                ),
            ],
        ),
    ]
