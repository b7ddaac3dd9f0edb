"""The fan-out table: which subscriber consumes which committed report events.

The outbox hands each subscriber the events of its types, oldest first, in this order; a
subscriber that fails is retried alone later (see backend/reports/outbox.py). Its name is
stored with every entry it has had, so a name never changes.
"""

from backend.contractors.subscriber import contractors_publish
from backend.notifications.delivery import deliveries_create
from backend.notifications.realtime import realtime_publish
from backend.reports.models import ReportEvent
from backend.reports.outbox import Subscriber
from backend.reports.services.suggestions import reports_created

T = ReportEvent.Type

FANOUT = (
    # The resident's socket (public events) and the staff feed (every event). First: a socket is
    # a reader waiting on the screen, and the rest of a batch (deliveries to write, webhooks to
    # queue) must not hold the push back.
    Subscriber("realtime", realtime_publish),
    # Offers and withdrawals of assignments, and webhooks about work in hand.
    Subscriber(
        "contractors",
        contractors_publish,
        types={
            T.ASSIGNED,
            T.ASSIGNMENT_OFFERED,
            T.ASSIGNMENT_WITHDRAWN,
            T.STATUS_CHANGED,
            T.CATEGORY_CHANGED,
            T.LOCATION_CHANGED,
        },
    ),
    # Mail and web push: receipt, status changes, a follower's confirmation request.
    Subscriber(
        "deliveries",
        deliveries_create,
        types={T.CREATED, T.STATUS_CHANGED, T.FOLLOWER_ADDED},
    ),
    # The classifier's suggestion for a report whose resident chose the category.
    Subscriber("classification", reports_created, types={T.CREATED}),
)
