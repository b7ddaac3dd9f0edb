from django.db import migrations

# The history is evidence: the database itself refuses to change or remove an event, whatever
# the application code does. (TRUNCATE, used by test teardown, is not a row operation.)
FORWARD = """
CREATE OR REPLACE FUNCTION reports_reportevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'report events are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reports_reportevent_append_only
    BEFORE UPDATE OR DELETE ON reports_reportevent
    FOR EACH ROW EXECUTE FUNCTION reports_reportevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS reports_reportevent_append_only ON reports_reportevent;
DROP FUNCTION IF EXISTS reports_reportevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
