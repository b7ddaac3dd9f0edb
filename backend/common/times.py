"""The one form every time the system sends takes: UTC, to the millisecond, with a ``Z``.

``2026-12-04T15:43:40.123Z``, as JavaScript's ``toISOString()`` writes it. UTC rather than
Europe/Amsterdam: the local offset is +01:00 in winter and +02:00 in summer, so it would not
be one form anyway; payloads built outside a request (socket messages, webhooks, answers kept
for an Idempotency-Key) would otherwise depend on the process's active time zone; and equal
instants are then equal strings that sort in time order. Clients show local time themselves.
Pages and mails for people (the contractor's link page and mail) give local time in words.
"""

from datetime import UTC, datetime


def timestamp_text(value: datetime) -> str:
    """An aware datetime as the API writes it."""
    if value.tzinfo is None:
        raise ValueError("a naive datetime has no instant to send")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def timestamp_text_or_none(value: datetime | None) -> str | None:
    return timestamp_text(value) if value is not None else None
