from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import Open311Key
from backend.accounts.services import open311_key_create


class Command(BaseCommand):
    help = (
        "Create an Open311 api_key for a client application and print it (shown only this "
        "once, alone on the last line)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client application, e.g. 'fixmystreet'")

    def handle(self, *args, name, **options):
        if Open311Key.objects.filter(name=name).exists():
            raise CommandError(f"An Open311 key named {name!r} exists already.")
        row, key = open311_key_create(name=name)
        self.stdout.write(f"Open311 api_key for {row.name} (prefix {row.prefix}):")
        self.stdout.write(key)
