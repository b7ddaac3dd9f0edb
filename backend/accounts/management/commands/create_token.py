from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import User
from backend.accounts.services import api_token_create, contractor_token_create, user_create
from backend.organisations.selectors import contractor_by_code


class Command(BaseCommand):
    help = (
        "Create an API token and print its key (shown only this once): for a user "
        "(`create_token USERNAME`) or for a contractor organisation "
        "(`create_token --contractor CODE NAME`)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "username", help="the user; with --contractor: the token's name instead"
        )
        parser.add_argument("--name", default="cli", help="a label to recognise the token by")
        parser.add_argument(
            "--create-user",
            action="store_true",
            help="create the user first when it does not exist",
        )
        parser.add_argument(
            "--role", choices=[r.value for r in User.Role], default=User.Role.DISPATCHER
        )
        parser.add_argument(
            "--contractor",
            metavar="CODE",
            help="a token for this contractor organisation (its API user is made when needed)",
        )

    def handle(self, *args, username, name, create_user, role, contractor, **options):
        if contractor:
            organisation = contractor_by_code(contractor)
            if organisation is None:
                raise CommandError(f"No active contractor {contractor!r}.")
            _, key = contractor_token_create(contractor=organisation, name=username)
            self.stdout.write(key)
            return
        user = User.objects.filter(username=username).first()
        if user is None:
            if not create_user:
                raise CommandError(f"No user {username!r}; pass --create-user to create one.")
            user = user_create(username=username, role=role)
        _, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
