"""Contractor moves here from the contractors app; its table stays where it is.

Only Django's idea of the models changes: the table `contractors_contractor` (created by
contractors 0001, hence the dependency) keeps its name, its rows and its sequence, so this
migration runs no SQL.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contractors', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Contractor',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(unique=True)),
                        ('name', models.CharField(max_length=200)),
                        ('email', models.EmailField(blank=True, max_length=254)),
                        ('webhook_url', models.URLField(blank=True)),
                        ('webhook_secret', models.CharField(blank=True, max_length=200)),
                        ('auto_close', models.BooleanField(default=False)),
                        ('is_active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'contractors_contractor',
                        'ordering': ['code'],
                    },
                ),
            ],
        ),
    ]
