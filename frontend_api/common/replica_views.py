"""Views whose reads tolerate a replica's lag (the dispatchers' list, map and statistics)."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from backend.common.replica import replica_reading

V = TypeVar("V", bound=Callable[..., Any])


def reads_from_replica(method: V) -> V:
    """Run a view method's reads on the replica, where one is configured. Authentication and
    permissions ran before the method (DRF's initial()), on the primary: a revoked token is
    never let through by a lagging copy."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with replica_reading():
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
