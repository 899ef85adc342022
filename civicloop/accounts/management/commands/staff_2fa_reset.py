from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.accounts.models import User
from civicloop.accounts.services import second_factor_reset


class Command(BaseCommand):
    help = "Remove a staff member's two-factor devices (lost phone); they set up a new one at next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account with the username {username!r}.")
        count = second_factor_reset(user=user, actor=None)
        self.stdout.write(f"Removed {count} two-factor device(s) of {username}.")
