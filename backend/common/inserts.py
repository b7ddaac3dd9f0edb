"""INSERT statements as Django would run them, for embedding in a larger statement."""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.sql import InsertQuery


def insert_statement(objs: Sequence[Model]) -> tuple[str, list[Any]]:
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
        if not (f is meta.auto_field and getattr(objs[0], f.attname) is None)
    ]
    query = InsertQuery(type(objs[0]))
    query.insert_values(fields, list(objs))
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)
