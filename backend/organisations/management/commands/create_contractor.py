from django.core.management.base import BaseCommand, CommandError

from backend.common.errors import DomainValidationError
from backend.organisations.services import contractor_upsert


class Command(BaseCommand):
    help = "Create or update a contractor organisation."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--email", default=None, help="where one-time links are sent")
        parser.add_argument("--webhook-url", default=None)
        parser.add_argument(
            "--webhook-secret",
            default=None,
            help="signs the webhooks; generated (and printed) when a URL is given without one",
        )
        parser.add_argument(
            "--auto-close",
            action="store_true",
            default=None,
            help="its completion closes the report (default: a dispatcher approves it)",
        )
        parser.add_argument("--no-auto-close", dest="auto_close", action="store_false")

    def handle(self, *args, code, name, email, webhook_url, webhook_secret, auto_close, **options):
        try:
            contractor, created, generated_secret = contractor_upsert(
                code=code,
                name=name,
                email=email,
                webhook_url=webhook_url,
                webhook_secret=webhook_secret,
                auto_close=auto_close,
            )
        except DomainValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items())
            ) from exc
        self.stdout.write(f"{'created' if created else 'updated'} {contractor}")
        if generated_secret:
            self.stdout.write(f"webhook secret: {generated_secret}")
