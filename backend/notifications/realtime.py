"""Live pushes over the channel layer: the resident's report group and the staff feed."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from backend.reports.models import ReportEvent
from backend.reports.presentation import public_event


def report_group(report_id: object) -> str:
    return f"report.{report_id}"


STAFF_FEED_GROUP = "staff.feed"


def realtime_publish(event: ReportEvent) -> None:
    """Send a committed event to whoever listens now; a missed one is replayed from the DB."""
    layer = get_channel_layer()
    if layer is None:
        return
    report = event.report
    send = async_to_sync(layer.group_send)
    if event.is_public:
        send(
            report_group(report.id), {"type": "report.event", "event": public_event(event, report)}
        )
    send(
        STAFF_FEED_GROUP,
        {
            "type": "staff.event",
            "event": {
                "report": str(report.id),
                "seq": event.seq,
                "type": event.type,
                "status": report.status,
                "at": event.created_at.isoformat(),
            },
        },
    )
