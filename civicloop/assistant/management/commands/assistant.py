"""`civicloop assistant import-faq FILE.json | ask "<text>" [--lang es]`: the assistant's knowledge base."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.assistant.selectors import faq_reply
from civicloop.assistant.services.knowledge import FaqInvalid, faq_import
from civicloop.core.sms import sms_max_segments


class Command(BaseCommand):
    help = (
        "The SMS assistant. `import-faq FILE.json`: create or update FAQ entries from a JSON list of "
        '{"id", "q", "a", "lang"?} (all or nothing). `ask "<text>" [--lang es]`: one JSON line, '
        '{"answer_id": …, "confidence": …, "reply": …}, what a resident texting this would get.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import-faq", help="Create or update FAQ entries from a JSON file.")
        importing.add_argument("file", type=Path, help='A JSON list of {"id", "q", "a", "lang"?}')
        ask = actions.add_parser("ask", help="What the assistant would text back; one JSON line.")
        ask.add_argument("text", help="The resident's message")
        ask.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=None,
            help="The conversation's language (default: guessed from the text, else the site's)",
        )
        ask.add_argument("--segments", type=int, default=None, help="SMS parts the reply may use")

    def handle(self, *args: object, **options: Any) -> None:
        if options["action"] == "import-faq":
            self._import(options["file"])
        else:
            segments = options["segments"] or sms_max_segments()
            if segments < 1:
                raise CommandError("--segments must be 1 or more.")
            reply = faq_reply(options["text"], language=options["lang"], budget_segments=segments)
            self.stdout.write(
                json.dumps(
                    {"answer_id": reply.answer_id, "confidence": reply.confidence, "reply": reply.text},
                    ensure_ascii=False,
                )
            )

    def _import(self, path: Path) -> None:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        except ValueError as error:  # invalid JSON or UTF-8
            raise CommandError(f"{path} is not valid JSON: {error}") from error
        try:
            result = faq_import(entries)
        except FaqInvalid as error:
            lines = [f"  {problem}" for problem in error.problems]
            raise CommandError(
                "\n".join([f"{path}: nothing was imported; fix these entries (counted from 0):", *lines])
            ) from error
        self.stdout.write(
            f"Imported {len(result.external_ids)} FAQ entries from {path}: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged."
        )
        if result.not_embedded:
            self.stderr.write(
                f"The text embedder is unavailable here: {result.not_embedded} entries will be found by "
                "keywords only until they are saved again where it runs."
            )
