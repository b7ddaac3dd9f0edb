from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import ApiToken
from backend.accounts.services import api_token_revoke


class Command(BaseCommand):
    help = "Revoke API tokens by the first characters of their key (as listed in the admin)."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="the token's first 8 characters")

    def handle(self, *args, prefix, **options):
        tokens = list(ApiToken.objects.filter(prefix=prefix[:8], revoked_at__isnull=True))
        if not tokens:
            raise CommandError(f"No live token starting with {prefix[:8]!r}.")
        for token in tokens:
            api_token_revoke(token=token)
            self.stdout.write(f"revoked {token}")
