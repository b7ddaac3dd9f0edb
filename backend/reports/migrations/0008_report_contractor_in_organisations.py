"""Report.contractor points at organisations.Contractor: the same table, so no SQL (an
AlterField would drop and re-create the foreign key and validate it over every report)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0001_initial'),
        ('reports', '0007_event_report_index_covered_by_unique_seq'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='report',
                    name='contractor',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='organisations.contractor'),
                ),
            ],
        ),
    ]
