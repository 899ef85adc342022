"""Secrets never reach a log: signed links, API keys and passwords are blanked in every record.

Residents have no password: the signed link in their email is the key to their account, their
subscription and their requests, so a server log holding one is a log holding keys. The filter sits
on the handlers every log line goes through (request lines, errors, task logs) and rewrites the
finished message and any traceback, so it works whatever logger or format produced them.
"""

import logging
import re

REDACTED = "[redacted]"

# Paths whose next segment is a signed link (keep in step with the urls.py of each app).
_TOKEN_PATH = re.compile(
    r"(/(?:ideas/sign-in|ideas/stop|requests/follow|requests/stop|subscribe/confirm|preferences|unsubscribe"
    r"|requests/[^/\s]+/reopen)/)([^/\s?#\"']+)"
)
# Any value made by django.core.signing (payload:timestamp:signature), wherever it appears.
_SIGNED_VALUE = re.compile(r"(?<![\w.-])\.?[\w-]+:[0-9A-Za-z]{4,10}:[\w-]{20,}(?![\w-])", re.ASCII)
# Query and form values whose names say they are secrets.
_SECRET_PARAMETER = re.compile(
    r"(?i)([?&;\s](?:token|api_key|apikey|key|password|passwd|secret|signature|sig|access_token|code)=)"
    r"[^&;\s\"'#]+"
)


def redact_secrets(text: str) -> str:
    """`text` with every signed link, token path segment and secret query value replaced."""
    text = _TOKEN_PATH.sub(rf"\1{REDACTED}", text)
    text = _SIGNED_VALUE.sub(REDACTED, text)
    return _SECRET_PARAMETER.sub(rf"\1{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """A handler filter: the record's message and traceback, with secrets blanked, before formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: keep its raw text, still redacted
            message = str(record.msg)
        redacted = redact_secrets(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_secrets(record.stack_info)
        return True
