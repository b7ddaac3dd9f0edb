from django.conf import settings
from django.core.management.base import BaseCommand

from backend.demo.services import demo_setup


class Command(BaseCommand):
    help = "Load taxonomy and demo areas (idempotent) and issue a fresh demo dispatcher token."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="print only the token lines")

    def handle(self, *args, quiet, **options):
        result = demo_setup()
        base = settings.PUBLIC_BASE_URL
        token_file = settings.BASE_DIR / "var" / "demo-token"
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(result.token + "\n")
        token_file.chmod(0o600)
        if not quiet:
            self.stdout.write(f"demo data loaded for {base}")
        self.stdout.write(f"demo dispatcher: {result.dispatcher}")
        self.stdout.write(f"demo staff token: {result.token}  (also in var/demo-token)")
