"""Live pushes over the channel layer: the resident's report group and the staff feed."""

import asyncio
import os
import threading
from typing import Any

from channels.layers import get_channel_layer

from backend.common.times import timestamp_text
from backend.reports.catalogue import public_part
from backend.reports.models import ReportEvent
from backend.reports.presentation import public_event
from backend.reports.selectors import previous_public_seqs

STAFF_FEED_GROUP = "staff.feed"
# A publish that hangs (Redis unreachable, not refusing) fails the batch; the sweep retries.
_SEND_TIMEOUT_SECONDS = 5.0


def report_group(report_id: object) -> str:
    return f"report.{report_id}"


def _report_message(event: ReportEvent, previous: dict[int, int]) -> tuple[str, dict[str, Any]]:
    return (
        report_group(event.report.id),
        {
            "type": "report.event",
            "event": public_event(event, event.report),
            "prev": previous.get(event.pk, 0),
        },
    )


def _staff_message(events: list[ReportEvent]) -> tuple[str, dict[str, Any]]:
    """The whole batch as one channel-layer message: a group send costs several Redis round
    trips, and a new report alone makes three or four events."""
    return (
        STAFF_FEED_GROUP,
        {
            "type": "staff.events",
            "events": [
                {
                    "report": str(event.report.id),
                    "seq": event.seq,
                    "type": event.type,
                    "status": public_part(event).status or event.report.status,
                    "at": timestamp_text(event.created_at),
                }
                for event in events
            ],
        },
    )


_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, kept running in a thread of its own.

    The channel layer keeps its Redis connections per event loop; a fresh loop per call (what
    async_to_sync does from a worker) would open a new connection for every batch.
    """
    global _loop, _loop_pid
    with _loop_lock:
        # A forked worker child inherits the variable but not the thread running the loop.
        if _loop is None or _loop.is_closed() or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="realtime-publisher", daemon=True
            ).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def realtime_publish(events: list[ReportEvent]) -> None:
    """Send committed events to whoever listens now; a missed one is replayed from the DB."""
    layer = get_channel_layer()
    if layer is None:
        return
    previous = previous_public_seqs(events)
    messages = [_report_message(event, previous) for event in events if event.is_public]
    messages.append(_staff_message(events))

    by_group: dict[str, list[dict[str, Any]]] = {}
    for group, message in messages:
        by_group.setdefault(group, []).append(message)

    # A group's messages in their order (a client checks each against the seq before it), the
    # groups side by side: one after the other, a batch's Redis round trips added up to most
    # of the drain's time.
    async def send_in_order(group: str, batch: list[dict[str, Any]]) -> None:
        for message in batch:
            await layer.group_send(group, message)

    async def send_all() -> None:
        await asyncio.gather(*(send_in_order(group, batch) for group, batch in by_group.items()))

    future = asyncio.run_coroutine_threadsafe(send_all(), _publisher_loop())
    future.result(timeout=_SEND_TIMEOUT_SECONDS)
