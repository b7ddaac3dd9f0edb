from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0017_map_cells")]

    operations = [
        migrations.RenameModel(old_name="MapCellsBuilt", new_name="OverviewCellsBuilt"),
        migrations.CreateModel(
            name="StatsCell",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.DateField()),
                ("status", models.CharField(max_length=30)),
                ("category_id", models.IntegerField(null=True)),
                ("department_id", models.IntegerField(null=True)),
                ("n", models.IntegerField()),
                ("closed", models.IntegerField()),
                ("closed_with_deadline", models.IntegerField()),
                ("closed_on_time", models.IntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="AreaCell",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("area_id", models.IntegerField()),
                ("status", models.CharField(max_length=30)),
                ("category_id", models.IntegerField(null=True)),
                ("department_id", models.IntegerField(null=True)),
                ("n", models.IntegerField()),
            ],
        ),
    ]
