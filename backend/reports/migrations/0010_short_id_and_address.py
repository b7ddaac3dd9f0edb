import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The next human id of a year: one sequence per year, made by the first report of the year.
# Sequences never wait on another transaction, so concurrent intakes never queue for a number
# (a counter row would hold every intake until the one before it commits); the price is a gap
# where an intake rolls back, which a phone id may have.
SHORT_ID_FUNCTION = r"""
CREATE OR REPLACE FUNCTION reports_short_id(prefix text, year integer) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    name text := 'reports_short_id_' || year;
    n bigint;
BEGIN
    IF to_regclass(name) IS NULL THEN
        BEGIN
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', name);
        EXCEPTION WHEN unique_violation OR duplicate_table THEN
            NULL;  -- a concurrent intake made it first
        END;
    END IF;
    n := nextval(name::regclass);
    RETURN prefix || '-' || year || '-' || lpad(n::text, greatest(6, length(n::text)), '0');
END
$$;
"""


def backfill(apps, schema_editor):
    # Oldest first, so the numbers follow the order the reports came in.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE reports_report r SET short_id = numbered.short_id
            FROM (
                SELECT o.id, reports_short_id(%s, o.year) AS short_id
                FROM (
                    SELECT id, extract(year FROM created_at AT TIME ZONE %s)::int AS year
                    FROM reports_report WHERE short_id IS NULL
                    ORDER BY created_at, id
                ) o
            ) numbered
            WHERE r.id = numbered.id
            """,
            [settings.SHORT_ID_PREFIX, settings.TIME_ZONE],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0002_address"),
        ("reports", "0009_attachment_claimed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="address",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="geo.address",
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="short_id",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.RunSQL(SHORT_ID_FUNCTION, "DROP FUNCTION IF EXISTS reports_short_id(text, integer)"),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="report",
            name="short_id",
            field=models.CharField(max_length=16, unique=True),
        ),
    ]
