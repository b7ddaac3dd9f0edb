from django.conf import settings
from django.core.management.base import BaseCommand

from backend.demo.services import demo_setup


class Command(BaseCommand):
    help = (
        "Load taxonomy and demo areas (idempotent); keep the demo dispatcher token of "
        "var/demo-token while it is live, else issue a fresh one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="print only the token lines")

    def handle(self, *args, quiet, **options):
        token_file = settings.BASE_DIR / "var" / "demo-token"
        current = token_file.read_text().strip() if token_file.is_file() else ""
        result = demo_setup(current_key=current)
        base = settings.PUBLIC_BASE_URL
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(result.token + "\n")
        token_file.chmod(0o600)
        if not quiet:
            self.stdout.write(f"demo data loaded for {base}")
        self.stdout.write(f"demo dispatcher: {result.dispatcher}")
        self.stdout.write(f"demo staff token: {result.token}  (also in var/demo-token)")
