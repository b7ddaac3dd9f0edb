import datetime

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0019_handling_time_index")]

    # The cells are rebuilt whole each minute: what they held is dropped, not converted.
    operations = [
        migrations.RunSQL("DELETE FROM reports_statscell", migrations.RunSQL.noop),
        migrations.RunSQL("DELETE FROM reports_areacell", migrations.RunSQL.noop),
        migrations.RenameField(model_name="statscell", old_name="week", new_name="day"),
        migrations.AddField(
            model_name="areacell",
            name="day",
            field=models.DateField(default=datetime.date(2000, 1, 1)),
            preserve_default=False,
        ),
    ]
