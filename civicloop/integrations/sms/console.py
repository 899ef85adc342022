"""Development backend: prints text messages instead of sending them."""

import json
import sys
import threading
import uuid
from collections.abc import Mapping
from typing import TextIO

from civicloop.core.sms import sms_mask_number, sms_segments

from .base import WHATSAPP_PREFIX, SmsSendResult


class ConsoleSmsProvider:
    """Writes each message to `stream` (stdout by default) with the number masked; never fails."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._lock = threading.Lock()  # worker threads must not interleave their messages

    def send(
        self,
        *,
        to: str,
        body: str,
        idempotency_key: str,
        status_callback_url: str | None = None,
        content_sid: str = "",
        content_variables: Mapping[str, str] | None = None,
    ) -> SmsSendResult:
        message_id = f"console-{uuid.uuid4()}"
        if to.startswith(WHATSAPP_PREFIX):
            shown = body or f"template {content_sid} {json.dumps(dict(content_variables or {}))}"
            text = (
                f"--- WhatsApp {message_id} to {sms_mask_number(to.removeprefix(WHATSAPP_PREFIX))} "
                f"key={idempotency_key}\n{shown}\n---\n"
            )
        else:
            parts = sms_segments(body)
            text = (
                f"--- SMS {message_id} to {sms_mask_number(to)} "
                f"({parts.segments} segment(s), {parts.encoding}) key={idempotency_key}\n{body}\n---\n"
            )
        stream = self.stream or sys.stdout  # looked up per call so pytest's capsys sees it
        with self._lock:
            stream.write(text)
            stream.flush()
        return SmsSendResult(provider_message_id=message_id, status="sent")
