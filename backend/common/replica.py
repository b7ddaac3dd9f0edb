"""Reads that may come from a read replica (DATABASE_REPLICA_URL), and everything else that
may not.

Only reads that tolerate a replica's lag of a second or so go there: the dispatchers' list,
and (built on this) the map, statistics and exports. Writes, locks, and whatever a caller reads
to decide a write, and the resident's own report (just filed, then read back at once), always
use the primary: nothing reaches the replica unless a selector or a view asks for it, in one of
two ways:

    reports = replica_reads(report_list(...))      # one query set, in a selector or view

    with replica_reading():                         # every read in the block (a map, an export
        body = stats_build(...)                     # running several selectors)

``PrimaryReplicaRouter`` (settings.DATABASE_ROUTERS) sends every write to the primary, reads to
the replica only inside ``replica_reading()`` and outside a transaction, and lets rows read
from either relate to each other (they are the same rows). Without a replica configured both
are no-ops.
"""

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import Model, QuerySet

PRIMARY = "default"
REPLICA = "replica"

_reading = contextvars.ContextVar("replica_reading", default=False)

Q = TypeVar("Q", bound=QuerySet[Any, Any])


def replica_alias() -> str:
    """The database reads that tolerate lag go to: the replica when one is configured."""
    if REPLICA in settings.DATABASES and settings.DATABASE_REPLICA_READS:
        return REPLICA
    return PRIMARY


def replica_reads(queryset: Q) -> Q:
    """This query set, read from the replica where there is one."""
    return queryset.using(replica_alias())


@contextlib.contextmanager
def replica_reading() -> Iterator[None]:
    """Every read in the block that names no database goes to the replica (if configured)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        # Inside a transaction on the primary a read may decide a write (a service's locking
        # read of its unit of work): it stays on the primary, block or not.
        if _reading.get() and not connections[PRIMARY].in_atomic_block:
            return replica_alias()
        # Django's own choice: the database a hinted instance came from, else the primary.
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A real replica follows the primary's schema by itself; `migrate` runs on the primary.
        # (The test suite's stand-in is a database of its own and is migrated like one.)
        return None
