"""Waiting for what another thread or process does (a worker, a server starting): the one
bounded polling loop of the test suite."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    check: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.05,
    message: str,
    until: Callable[[T], object] = bool,
) -> T:
    """Call ``check`` every ``interval`` seconds until its value is truthy, and return it.

    With ``until``, ``check`` fetches a value and ``until(value)`` decides instead, so that a
    failure shows the whole value (a response body, say) rather than the part that was tested.
    ``check`` runs at least once; when ``timeout`` seconds pass first, this fails with
    AssertionError naming ``message`` and the last value seen.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if until(value):
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} (after {timeout} s, last seen: {value!r})")
        time.sleep(interval)
