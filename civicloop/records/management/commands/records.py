from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.core.errors import DomainError
from civicloop.records.models import RecordsRequest
from civicloop.records.selectors import subject_find
from civicloop.records.services import records_erase, records_export_json


class Command(BaseCommand):
    help = (
        "Records requests about one resident: export everything held, or erase it (the public record stays)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        for name, help_text in (
            ("export", "Write one JSON document of every row held about the resident."),
            ("erase", "Erase the resident's personal data; their posts stay, shown as by a former resident."),
        ):
            action = actions.add_parser(name, help=help_text)
            action.add_argument("--email", default="")
            action.add_argument("--phone", default="", help="Any common form; read as E.164 (US by default)")
            if name == "export":
                action.add_argument("--output", type=Path, help="File to write (default: standard output)")
            else:
                action.add_argument("--yes", action="store_true", help="Do not ask for confirmation")

    def handle(self, *args: object, **options: object) -> None:
        try:
            subject = subject_find(email=str(options["email"]), phone=str(options["phone"]))
        except DomainError as error:
            raise CommandError(error.message) from error
        if options["action"] == "export":
            document = records_export_json(subject=subject, source=RecordsRequest.Source.COMMAND)
            output = options.get("output")
            if isinstance(output, Path):
                output.write_bytes(document)
                self.stderr.write(f"Wrote {output}")
            else:
                self.stdout.write(document.decode("utf-8"))
            return
        if not options["yes"]:
            answer = input("Erase this resident's personal data? It cannot be undone. Type 'erase': ")
            if answer.strip() != "erase":
                raise CommandError("Nothing erased.")
        outcome = records_erase(subject=subject, source=RecordsRequest.Source.COMMAND)
        for name, (action, held, changed) in outcome.datasets.items():
            self.stdout.write(f"{name}: {held} row(s), {action} ({changed} changed)")
        self.stdout.write(f"Done: {outcome.changed} row(s) changed in {len(outcome.datasets)} dataset(s).")
