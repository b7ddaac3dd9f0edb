"""Writes of the push channels and of the resident's dealings with a report, by subject.

subscriptions  e-mail and web push subscriptions, confirming a follower, unsubscribing
feedback       the resident's verdict after closing (unsatisfied asks for a reopen)
merge          staff merging a duplicate: its followers follow the other report
privacy        erasing contact details when no longer needed

Every change to a report goes through the reports app's unit of work (report_change).
"""

from ..tokens import (
    confirm_token_for,
    follow_token_for,
    report_id_for_follow_token,
    unsubscribe_token_for,
)
from .feedback import FeedbackWindowClosed, feedback_give
from .merge import report_merge
from .privacy import contact_details_erase
from .subscriptions import (
    PushKeys,
    PushUnavailable,
    push_enabled,
    push_subscription_remove,
    reporter_subscriptions_ensure,
    subscription_add,
    subscription_confirm,
    subscription_remove,
    subscription_tokens_renew,
    subscriptions_unconfirmed_expire,
)

__all__ = [
    "FeedbackWindowClosed",
    "PushKeys",
    "PushUnavailable",
    "confirm_token_for",
    "contact_details_erase",
    "feedback_give",
    "follow_token_for",
    "push_enabled",
    "push_subscription_remove",
    "report_id_for_follow_token",
    "report_merge",
    "reporter_subscriptions_ensure",
    "subscription_add",
    "subscription_confirm",
    "subscription_remove",
    "subscription_tokens_renew",
    "subscriptions_unconfirmed_expire",
    "unsubscribe_token_for",
]
