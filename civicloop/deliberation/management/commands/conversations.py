"""`civicloop conversations import-polis DIR | analyze ID [--json] | export ID DIR` (Polis interop)."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError, NotFound
from civicloop.deliberation.models import Conversation
from civicloop.deliberation.opendata import polis_vote_log_write
from civicloop.deliberation.selectors import analysis_json, conversation_get, polis_export
from civicloop.deliberation.services import conversation_analyse, polis_import

BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Opinion-mapping conversations. `import-polis DIR`: a Polis openData folder (comments.csv, and "
        "votes.csv or else participants-votes.csv) into a new conversation, whose id is the last line "
        "printed. `analyze ID [--json]`: run the opinion map and store it; --json prints one JSON "
        "object. `export ID DIR`: write the Polis openData CSVs comments.csv, participants-votes.csv "
        "and votes.csv (anonymous participant numbers only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import-polis", help="Import a Polis openData export folder.")
        importing.add_argument("directory", type=Path)
        importing.add_argument(
            "--title", default=None, help="The conversation's title (default: folder name)"
        )
        analyze = actions.add_parser("analyze", help="Run and store the opinion map of a conversation.")
        analyze.add_argument("conversation", type=int)
        analyze.add_argument("--json", action="store_true", help="Print one JSON object")
        export = actions.add_parser("export", help="Write Polis openData CSV files.")
        export.add_argument("conversation", type=int)
        export.add_argument("directory", type=Path)

    def handle(self, *args: object, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "import-polis":
                self._import(options["directory"], options["title"])
            elif action == "analyze":
                self._analyze(self._conversation(options["conversation"]), as_json=options["json"])
            else:
                self._export(self._conversation(options["conversation"]), options["directory"])
        except DomainError as error:
            raise CommandError(error.message, returncode=BAD_INPUT) from error

    def _conversation(self, conversation_id: int) -> Conversation:
        try:
            return conversation_get(conversation_id)
        except NotFound as error:
            raise CommandError(error.message, returncode=BAD_INPUT) from error

    def _import(self, directory: Path, title: str | None) -> None:
        conversation = polis_import(directory, title=title)
        counts = {
            "participants": conversation.participants.count(),
            "statements": conversation.statements.count(),
            "votes": conversation.votes.count(),
        }
        self.stdout.write(
            _(
                "Imported %(source)s: %(participants)s participants, %(statements)s statements, "
                "%(votes)s votes."
            )
            % {"source": conversation.source, **counts}
        )
        self.stdout.write(str(conversation.pk))

    def _analyze(self, conversation: Conversation, *, as_json: bool) -> None:
        result = conversation_analyse(conversation)
        payload = analysis_json(result)
        if as_json:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        if not result.enough_data:
            self.stdout.write(str(payload["reason"]))
            return
        groups = result.opinion_map.get("groups", [])
        self.stdout.write(
            _("%(participants)s participants in the map, %(groups)s groups (%(sizes)s); %(seconds).3f s.")
            % {
                "participants": result.participants,
                "groups": len(groups),
                "sizes": ", ".join(str(len(g["participants"])) for g in groups),
                "seconds": result.seconds,
            }
        )

    def _export(self, conversation: Conversation, directory: Path) -> None:
        try:
            comments, votes = polis_export(conversation, directory)
            log = polis_vote_log_write(conversation, directory)
        except OSError as error:
            raise CommandError(
                _("Cannot write to %(path)s: %(error)s")
                % {"path": directory, "error": error.strerror or error},
                returncode=BAD_INPUT,
            ) from error
        self.stdout.write(
            _("Wrote %(comments)s, %(votes)s and %(log)s.")
            % {"comments": comments, "votes": votes, "log": log}
        )
