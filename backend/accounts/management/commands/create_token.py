from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import User
from backend.accounts.services import api_token_create, user_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a label to recognise the token by")
        parser.add_argument(
            "--create-user",
            action="store_true",
            help="create the user first when it does not exist",
        )
        parser.add_argument(
            "--role", choices=[r.value for r in User.Role], default=User.Role.DISPATCHER
        )

    def handle(self, *args, username, name, create_user, role, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            if not create_user:
                raise CommandError(f"No user {username!r}; pass --create-user to create one.")
            user = user_create(username=username, role=role)
        _, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
