"""Contractor now lives in the organisations app (the same table): the foreign keys here
point at it, then the model leaves this app's state. No SQL runs.

DeleteModel comes last and after every other app's foreign key was repointed (reports,
accounts): until then those still refer to contractors.Contractor.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_user_contractor_in_organisations'),
        ('contractors', '0002_assignments_webhooks_links'),
        ('organisations', '0001_initial'),
        ('reports', '0008_report_contractor_in_organisations'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='assignment',
                    name='contractor',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='organisations.contractor'),
                ),
                migrations.AlterField(
                    model_name='webhookmessage',
                    name='contractor',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='webhook_messages', to='organisations.contractor'),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Contractor',
                ),
            ],
        ),
    ]
