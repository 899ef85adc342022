from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.servicerequests.models import ApiClient
from civicloop.servicerequests.services import api_client_issue, api_client_revoke


class Command(BaseCommand):
    help = "Open311 API keys: issue-key, revoke-key, list-keys."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue-key", help="Issue a key for a client application; prints it last.")
        issue.add_argument("name", help="The client application's name")
        issue.add_argument("--per-minute", type=int, default=60, help="Requests per minute allowed")
        revoke = actions.add_parser("revoke-key", help="Revoke the key that starts with this prefix.")
        revoke.add_argument("prefix")
        actions.add_parser("list-keys", help="List clients and key prefixes.")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        if action == "issue-key":
            client, raw_key = api_client_issue(
                name=str(options["name"]), requests_per_minute=int(str(options["per_minute"]))
            )
            self.stdout.write(f"Issued a key for {client.name}. It is shown once; keep it secret:")
            self.stdout.write(raw_key)
        elif action == "revoke-key":
            found = ApiClient.objects.filter(key_prefix=str(options["prefix"])).first()
            if found is None:
                raise CommandError("No key with that prefix.")
            api_client_revoke(client=found)
            self.stdout.write(f"Revoked the key of {found.name}.")
        else:
            for client in ApiClient.objects.all():
                state = "revoked" if client.revoked_at else "active"
                self.stdout.write(
                    f"{client.key_prefix}…  {state:<8} {client.requests_per_minute}/min  {client.name}"
                )
