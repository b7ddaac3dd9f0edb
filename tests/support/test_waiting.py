"""The one polling helper: it returns what it waited for, and it can fail."""

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.waiting import eventually


def test_returns_the_first_truthy_value_of_the_check():
    values: Iterator[Any] = iter([0, None, [], "ready", "later"])
    assert eventually(lambda: next(values), timeout=5, interval=0, message="never") == "ready"


def test_with_until_returns_the_whole_value_that_satisfied_it():
    bodies: Iterator[dict[str, Any]] = iter(
        [{"photos": []}, {"photos": ["a.jpg"], "status": "received"}]
    )
    body = eventually(
        lambda: next(bodies), until=lambda b: b["photos"], timeout=5, interval=0, message="never"
    )
    assert body == {"photos": ["a.jpg"], "status": "received"}


def test_fails_after_the_timeout_naming_the_message_and_the_last_value():
    calls: list[float] = []

    def check() -> dict[str, Any]:
        calls.append(time.monotonic())
        return {"photos": [], "call": len(calls)}

    started = time.monotonic()
    with pytest.raises(AssertionError) as failure:
        eventually(check, until=lambda b: b["photos"], timeout=0.3, message="photo not processed")
    assert time.monotonic() - started >= 0.3
    assert len(calls) > 1
    assert str(failure.value).startswith("photo not processed (after 0.3 s, last seen: {")
    assert f"'call': {len(calls)}" in str(failure.value)
