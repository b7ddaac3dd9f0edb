"""How report changes reach PostgreSQL in as few round trips as possible.

Everything here serves one invariant: a report's change, its events and their outbox entries
are stored together or not at all, and the hot paths (intake, the worker's batches) pay for
as few statements as that allows. The domain modules say what changes; this one says how it
is written.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import CharField, Func, Model, Value
from django.db.models.sql import InsertQuery
from django.utils import timezone

from .actors import ActorRef
from .catalogue import Event
from .models import Report
from .outbox import outbox_kick, outbox_publish_after_commit

# A row of the batch to append: the report (its last_event_seq numbers the event), who did it,
# and what happened.
Appended = tuple[Report, ActorRef, Event]
Statement = tuple[str, list[Any]]


def prepared_cursor() -> CursorWrapper:
    """A cursor whose statements PostgreSQL parses and plans once per connection.

    Django's own cursors bind parameters client-side and are never prepared; this one binds
    server-side, and psycopg prepares each distinct statement on the connection the first time
    (prepare_threshold 0, see settings/database.py). Behind a transaction-pooling pgbouncer
    before 1.21, DATABASE_PREPARED_STATEMENTS=false turns preparing off; binding stays
    server-side.
    """
    connection.ensure_connection()
    # Wrapped as connection.cursor() wraps its own (execute wrappers, query logging in tests
    # and DEBUG, the thread check): Django has no public way to wrap a cursor of one's own.
    wrapped: CursorWrapper = connection._prepare_cursor(  # type: ignore[attr-defined]
        psycopg.Cursor(connection.connection)
    )
    return wrapped


def insert_statement(objs: Sequence[Model]) -> Statement:
    """The INSERT that ``Model.objects.bulk_create(objs)`` would send, as SQL and parameters.

    Compiled by Django itself, so field defaults, ``auto_now_add`` and the geometry adaptation
    are those of a save; the caller runs it as part of one statement (a data-modifying CTE)
    with the other rows of the same change. An auto-incremented primary key is left to the
    database, as a save would.
    """
    if not objs:
        raise ValueError("nothing to insert")
    meta = type(objs[0])._meta
    fields = [
        f
        for f in meta.local_concrete_fields
        # A generated column (the search vector) is the database's to fill.
        if not f.generated and not (f is meta.auto_field and getattr(objs[0], f.attname) is None)
    ]
    query = InsertQuery(type(objs[0]))
    query.insert_values(fields, list(objs))
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def mark_stored(report: Report) -> None:
    """Tell Django a report written by our own INSERT is in the database, so a later save()
    updates it instead of inserting it again."""
    report._state.adding = False
    report._state.db = connection.alias


# One statement for both tables: appending is on every write path, intake included, and the
# ORM's two bulk inserts cost several times the database's own work. `{alongside}` carries other
# INSERTs of the same change as data-modifying CTEs (see events_write).
_APPEND_SQL = """
    WITH {alongside}appended AS (
        INSERT INTO reports_reportevent
            (report_id, seq, type, is_public, actor_kind, actor_id, public_payload,
             internal_payload, created_at)
        VALUES {rows}
        RETURNING id
    )
    INSERT INTO reports_outboxentry
        (event_id, created_at, next_attempt_at, attempts, delivered_to, last_error)
    SELECT id, %s, %s, 0, '[]'::jsonb, '' FROM appended
    RETURNING id{returning}
"""
_ROW = "(%s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s)"


def events_write(
    *,
    batch: Iterable[Appended],
    alongside: Callable[[], Sequence[Statement]] | None = None,
    returning: str = "",
    publish_here: bool = False,
) -> tuple[int, Any]:
    """Store the events with their outbox entries, and with them the INSERTs `alongside`
    returns, as ONE statement; publication is scheduled after commit. `alongside` is called
    once the events are numbered, so the rows it builds carry each report's new
    last_event_seq. `returning` is a scalar SQL expression over the alongside statements
    (named w0, w1, ... in their order), e.g. a value the database made for the new row.

    `publish_here`: this process publishes the entries itself right after commit (a person's
    change: see `outbox_publish_after_commit`); otherwise a worker's drain task does.

    A change made entirely of inserts (a new report: its row, area links, attachments) thus
    needs no transaction block: the statement is atomic on its own. Any other change runs in
    its unit of work's transaction. Returns how many events were stored, and the value of
    `returning` (None without one).
    """
    now = timezone.now()
    params: list[Any] = []
    count = 0
    for report, actor, event in batch:
        public, internal = event.payloads()
        report.last_event_seq += 1
        count += 1
        params += [
            report.pk,
            report.last_event_seq,
            event.type,
            event.public,
            actor.kind.value,
            getattr(actor.user, "pk", None),
            json.dumps(public, cls=DjangoJSONEncoder),
            json.dumps(internal, cls=DjangoJSONEncoder),
            now,
        ]
    if not count:
        if alongside:
            raise ValueError("rows alongside no events")
        return 0, None
    inserts = alongside() if alongside else ()
    params = [p for _, extra in inserts for p in extra] + params
    # The publish task normally runs within milliseconds; the sweep only picks an entry up
    # after this delay, so it does not race the task it is a safety net for.
    retry_at = now + timedelta(seconds=settings.OUTBOX_RETRY_AFTER_SECONDS)
    sql = _APPEND_SQL.format(
        alongside="".join(f"w{i} AS ({statement}), " for i, (statement, _) in enumerate(inserts)),
        rows=", ".join([_ROW] * count),
        returning=f", ({returning})" if returning else "",
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*params, now, retry_at])
        rows = cursor.fetchall()
    entry_ids = [row[0] for row in rows]
    if publish_here and len(entry_ids) <= settings.OUTBOX_PUBLISH_HERE_MAX:
        transaction.on_commit(lambda: outbox_publish_after_commit(entry_ids=entry_ids))
    else:
        # A broker outage is not an error here: the entries stay in the outbox and the sweep
        # delivers them when the broker is back.
        transaction.on_commit(lambda: outbox_kick(pending=len(entry_ids)))
    return count, rows[0][1] if returning else None


class ShortIdNext(Func):
    """The database's next human id of a year, computed inside the INSERT that stores the
    report (reports_short_id(), migration 0010): numbered as it is stored, in the same
    statement, so no intake pays a round trip for it and two never get the same one."""

    function = "reports_short_id"
    output_field = CharField()

    def __init__(self, *, prefix: str, year: int) -> None:
        super().__init__(Value(prefix), Value(year))


def short_id_year(at: datetime) -> int:
    """The year a report created at `at` is numbered in: the municipality's (TIME_ZONE)."""
    return timezone.localtime(at).year


def reports_update(*, reports: Sequence[Report], fields: Sequence[str]) -> None:
    """Save the same fields of several locked reports (plus last_event_seq and updated_at)
    in one UPDATE. QuerySet.bulk_update builds a CASE per column and row, which costs more
    than a worker's whole batch; unnest() of one array per column does not."""
    if not reports:
        return
    concrete = {f.name: f for f in Report._meta.concrete_fields}
    columns = [concrete[name] for name in [*fields, "last_event_seq"]]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
    names = ", ".join(quote(f.column) for f in columns)
    # Column names and types come from the model, never from input.
    sql = (
        f"UPDATE reports_report AS r SET {assignments}, updated_at = %s"  # noqa: S608
        f" FROM unnest(%s::uuid[], {arrays}) AS v(id, {names}) WHERE r.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                timezone.now(),
                [r.pk for r in reports],
                *[[getattr(r, f.attname) for r in reports] for f in columns],
            ],
        )
