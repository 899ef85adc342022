"""The demo's stand-in for networks without accounts: each post (and each staff reply from the inbox) is
written as a JSON file, as the demo's emails are written to var/sent-email/.

One file per post, `<network>-<idempotency key>.json`, with the network, text, link, language, when it was
queued and, for a post with an image, the image's address, alt text and the PNG saved beside it. A post
counts as made, with the file's file:// address as its link. The same idempotency key finds the file
already there and returns it: a retry writes nothing twice.
"""

import json
import os
import re
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from civicloop.integrations.social.base import SocialMentions, SocialPostResult, SocialReplyTarget
from civicloop.integrations.social.images import SocialImage

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Readable like the demo's emails (mkstemp alone would leave them readable by their owner only).
FILE_MODE = 0o644


class FileSocialPoster:
    """Writes one network's posts to `directory` instead of publishing them (the demo, `make run`)."""

    def __init__(
        self, network: str, directory: str | Path, *, limit: int, count: Callable[[str], int]
    ) -> None:
        self.network = network
        self.limit = limit
        self.directory = Path(directory)
        self._count = count

    @property
    def account(self) -> str:
        return f"file:{self.directory}#{self.network}"

    def count(self, text: str) -> int:
        return self._count(text)

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult:
        return self._write(
            text=text,
            link=link,
            image=None,
            idempotency_key=idempotency_key,
            created_at=created_at,
            language=language,
        )

    def post_with_image(
        self,
        *,
        text: str,
        link: str,
        image: SocialImage,
        idempotency_key: str,
        created_at: datetime,
        language: str = "en",
    ) -> SocialPostResult:
        return self._write(
            text=text,
            link=link,
            image=image,
            idempotency_key=idempotency_key,
            created_at=created_at,
            language=language,
        )

    # The inbox's side: in the demo, staff replies to residents on these networks are written here too.
    def reply_text(self, text: str, target: SocialReplyTarget) -> str:
        return text

    def mentions(self, *, since: str) -> SocialMentions:
        return SocialMentions(mentions=[], position=since)  # residents' posts come by webhook

    def reply(
        self,
        *,
        text: str,
        target: SocialReplyTarget,
        idempotency_key: str,
        created_at: datetime,
        language: str = "en",
    ) -> SocialPostResult:
        name = _UNSAFE.sub("_", f"{self.network}-reply-{idempotency_key}")
        path = self.directory / f"{name}.json"
        result = SocialPostResult(remote_id=path.name, remote_url=path.resolve().as_uri())
        if path.exists():  # a retry with the same key writes nothing twice
            return result
        self.directory.mkdir(parents=True, exist_ok=True)
        how = "private message" if target.kind == "message" or target.private else "public reply"
        record = {
            "network": self.network,
            "reply": how,
            "in_reply_to": target.remote_id,
            "recipient": target.recipient_id,
            "human_agent_tag": target.human_agent,
            "text": text,
            "language": language,
            "queued_at": created_at.isoformat(),
            "idempotency_key": idempotency_key,
        }
        _write_atomically(path, json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
        return result

    def _write(
        self,
        *,
        text: str,
        link: str,
        image: SocialImage | None,
        idempotency_key: str,
        created_at: datetime,
        language: str,
    ) -> SocialPostResult:
        name = _UNSAFE.sub("_", f"{self.network}-{idempotency_key}")
        path = self.directory / f"{name}.json"
        result = SocialPostResult(remote_id=path.name, remote_url=path.resolve().as_uri())
        if path.exists():
            return result
        self.directory.mkdir(parents=True, exist_ok=True)
        record: dict[str, Any] = {
            "network": self.network,
            "text": text,
            "link": link,
            "language": language,
            "queued_at": created_at.isoformat(),
            "idempotency_key": idempotency_key,
            "image": None,
        }
        if image is not None:
            image_path = self.directory / f"{name}.png"
            if image.render is not None:
                _write_atomically(image_path, image.render())
            record["image"] = {
                "url": image.url,
                "alt_text": image.alt_text,
                "path": str(image_path.resolve()) if image_path.exists() else "",
            }
        _write_atomically(path, json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
        return result


def _write_atomically(path: Path, content: bytes) -> None:
    # A reader (or a retry) sees the whole file or none of it.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
