"""Give residents' links made with a secret no longer in use new tokens (README: "Rotating the
secret")."""

from django.core.management.base import BaseCommand

from backend.notifications.services import subscription_tokens_renew
from backend.reports.tracking import tracking_tokens_renew


class Command(BaseCommand):
    help = (
        "New tracking, unsubscribe and confirmation tokens for reports and subscriptions whose "
        "tokens no configured secret made, so their next mails carry working links. "
        "--retire-fallbacks also renews those made with a fallback secret (ends a rotation)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retire-fallbacks",
            action="store_true",
            help="renew tokens made with TRACKING_TOKEN_SECRET_FALLBACKS too: their links stop "
            "working, and the fallbacks can then be removed",
        )

    def handle(self, *args, retire_fallbacks, **options):
        reports = tracking_tokens_renew(retire_fallbacks=retire_fallbacks)
        subscriptions = subscription_tokens_renew(retire_fallbacks=retire_fallbacks)
        if reports or subscriptions or options["verbosity"] > 1:
            self.stdout.write(
                f"renewed the links of {reports} reports and {subscriptions} subscriptions"
            )
