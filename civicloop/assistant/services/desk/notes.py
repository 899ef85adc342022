"""Private notes on a conversation (staff only, never sent), and the colleagues they @mention."""

from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.assistant.models import (
    InboxMention,
    InboxNote,
)
from civicloop.assistant.services.desk.common import (
    MENTION,
    NOTE_MAX,
    DeskRefused,
    Kind,
    _conversation,
    _record,
    answering_roles,
    logger,
    staff_name,
)


def desk_note_add(*, conversation_id: int, staff: User, body: str, now: datetime | None = None) -> InboxNote:
    """A private note for colleagues (never sent to the resident). Each @username of a colleague who
    answers residents is emailed once, after the note is saved; other @words are left as text."""
    body = body.strip()
    if not body:
        raise DeskRefused(_("Write the note first."), field="body")
    if len(body) > NOTE_MAX:
        raise DeskRefused(_("A note may be at most %(max)d characters.") % {"max": NOTE_MAX}, field="body")
    moment = now or timezone.now()
    usernames = {name.rstrip(".") for name in MENTION.findall(body)}
    with transaction.atomic():
        conversation = _conversation(conversation_id)
        note = InboxNote.objects.create(
            conversation=conversation,
            author=staff,
            author_name=staff_name(staff),
            body=body,
            created_at=moment,
        )
        mentioned = (
            list(
                User.objects.filter(username__in=usernames, is_active=True, role__in=answering_roles())
                .exclude(pk=staff.pk)
                .values_list("pk", flat=True)
            )
            if usernames
            else []
        )
        mentions = InboxMention.objects.bulk_create(
            [InboxMention(note=note, mentioned_id=pk) for pk in mentioned]
        )
        # The note's words stay in the note alone (one place to forget them); the record points at it.
        _record([conversation.pk], Kind.NOTE, actor=staff, detail=f"#{note.pk}", moment=moment)
        for mention in mentions:
            transaction.on_commit(partial(_enqueue_mention_email, mention.pk))
    return note


def _enqueue_mention_email(mention_id: int) -> None:
    from civicloop.assistant.tasks_inbox import send_inbox_mention_email

    send_inbox_mention_email.enqueue(mention_id)


def desk_mention_email_send(*, mention_id: int) -> bool:
    """Email the colleague that they were mentioned; once per mention (a failed send is retried).

    The email has a link and the author's name, never the resident's details or the note's words."""
    mention = (
        InboxMention.objects.select_related("mentioned", "note")
        .filter(pk=mention_id, notified_at__isnull=True)
        .first()
    )
    if mention is None or not mention.mentioned.is_active or not mention.mentioned.email:
        return False
    if not InboxMention.objects.filter(pk=mention.pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    ):
        return False  # another run sent it
    user = mention.mentioned
    language = user.preferred_language or settings.LANGUAGE_CODE
    link = settings.SITE_URL.rstrip("/") + reverse("staff:inbox-thread", args=[mention.note.conversation_id])
    with translation.override(language):
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": staff_name(user)},
                _("%(author)s mentioned you in a note on an inbox conversation:")
                % {"author": mention.note.author_name or _("A colleague")},
                f"{link}#notes",
            ]
        )
        subject = _("You were mentioned in the inbox")
    try:
        EmailMessage(
            subject=subject,
            body=body + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
        ).send()
    except Exception as error:
        InboxMention.objects.filter(pk=mention.pk).update(notified_at=None)
        logger.warning("Mention email %s could not be sent: %s", mention.pk, type(error).__name__)
        raise
    return True


def desk_mentions_seen(*, user: User, conversation_id: int, now: datetime | None = None) -> int:
    """The user's mentions on this conversation leave their "mentions for you" list."""
    return InboxMention.objects.filter(
        mentioned=user, seen_at__isnull=True, note__conversation_id=conversation_id
    ).update(seen_at=now or timezone.now())


# ------------------------------------------------------------------------------------------ saved views
