"""The demo city has no accounts on the networks: this sends a resident's comment or message to the city's
own webhooks as each network would send it (its body, signed with the configured secret as it signs),
so staff can see the inbox at work. Demo only: the page answers 404 unless DEMO_RESIDENT_MESSAGES is set.

Each kind is delivered to the real webhook view, which checks the signature like any other request.
"""

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.translation import gettext_lazy as _
from twilio.request_validator import RequestValidator

from civicloop.assistant.webhook_urls import TWILIO_INBOUND_PATH
from civicloop.assistant.webhooks import twilio_inbound
from civicloop.assistant.webhooks_social import meta_webhook, x_webhook
from civicloop.delivery.selectors import social_post_latest_remote_id
from civicloop.integrations.social.meta_events import meta_signature
from civicloop.integrations.social.x_events import x_signature

KINDS = [
    ("facebook_comment", _("A comment on the city's latest Facebook post")),
    ("facebook_message", _("A Messenger message to the city's Page")),
    ("instagram_comment", _("A comment on the city's latest Instagram post")),
    ("instagram_message", _("An Instagram message to the city")),
    ("x_reply", _("A reply on X to the city's latest post")),
    ("whatsapp", _("A WhatsApp message (through Twilio)")),
    ("sms", _("A text message (through Twilio)")),
]
# What each kind needs configured (the demo's Makefile sets them all).
NEEDS = {
    "facebook_comment": ("META_APP_SECRET", "FACEBOOK_PAGE_ID"),
    "facebook_message": ("META_APP_SECRET", "FACEBOOK_PAGE_ID"),
    "instagram_comment": ("META_APP_SECRET", "INSTAGRAM_ACCOUNT_ID"),
    "instagram_message": ("META_APP_SECRET", "INSTAGRAM_ACCOUNT_ID"),
    "x_reply": ("X_CONSUMER_SECRET", "X_USER_ID"),
    "whatsapp": ("TWILIO_AUTH_TOKEN",),
    "sms": ("TWILIO_AUTH_TOKEN",),
}


@dataclass(frozen=True)
class SentAsNetwork:
    status: int
    reply: str  # what the webhook answered (the assistant's TwiML for texts)


def missing_settings(kind: str) -> list[str]:
    return [name for name in NEEDS[kind] if not getattr(settings, name, "")]


def _resident_id(sender: str) -> str:
    # A stable made-up account number per name, as the network would give one person.
    return str(10**15 + int.from_bytes(sender.encode()[:12].ljust(12, b"\0"), "big") % 10**15)


def _meta_body(kind: str, sender: str, text: str) -> dict[str, object]:
    now = int(time.time())
    page_id, instagram_id = settings.FACEBOOK_PAGE_ID, settings.INSTAGRAM_ACCOUNT_ID
    author = _resident_id(sender)
    if kind == "facebook_comment":
        post = social_post_latest_remote_id("facebook") or f"{page_id}_1"
        value = {
            "item": "comment",
            "verb": "add",
            "comment_id": f"{post}_{secrets.randbelow(10**12)}",
            "post_id": post,
            "parent_id": post,
            "from": {"id": author, "name": sender},
            "message": text,
            "created_time": now,
        }
        return {
            "object": "page",
            "entry": [{"id": page_id, "time": now, "changes": [{"field": "feed", "value": value}]}],
        }
    if kind == "instagram_comment":
        media = social_post_latest_remote_id("instagram") or "17900000000000001"
        value = {
            "id": str(17800000000000000 + secrets.randbelow(10**14)),
            "text": text,
            "from": {"id": author, "username": sender},
            "media": {"id": media},
        }
        return {
            "object": "instagram",
            "entry": [{"id": instagram_id, "time": now, "changes": [{"field": "comments", "value": value}]}],
        }
    account = page_id if kind == "facebook_message" else instagram_id
    message = {
        "sender": {"id": author},
        "recipient": {"id": account},
        "timestamp": now * 1000,
        "message": {"mid": "m_" + secrets.token_urlsafe(24), "text": text},
    }
    return {
        "object": "page" if kind == "facebook_message" else "instagram",
        "entry": [{"id": account, "time": now * 1000, "messaging": [message]}],
    }


def _x_body(sender: str, text: str) -> dict[str, object]:
    city = settings.X_USER_ID
    tweet_id = str(1_800_000_000_000_000_000 + secrets.randbelow(10**17))
    tweet = {
        "id_str": tweet_id,
        "text": text,
        "user": {"id_str": _resident_id(sender), "screen_name": sender.replace(" ", "_")[:15]},
        "in_reply_to_status_id_str": social_post_latest_remote_id("x") or None,
        "in_reply_to_user_id_str": city,
        "created_at": datetime.now(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "entities": {"user_mentions": [{"id_str": city}]},
    }
    return {"for_user_id": city, "tweet_create_events": [tweet]}


def resident_message_send(*, kind: str, sender: str, text: str) -> SentAsNetwork:
    """Deliver one resident's message of `kind` to the city's webhook, signed as that network signs it.

    `sender` is a display name (a phone number for WhatsApp and SMS, in E.164)."""
    factory = RequestFactory()
    response: HttpResponse
    if kind in ("whatsapp", "sms"):
        path = "/" + TWILIO_INBOUND_PATH
        params = {
            "AccountSid": "AC" + "0" * 32,
            "MessageSid": "SM" + secrets.token_hex(16),
            "From": ("whatsapp:" if kind == "whatsapp" else "") + sender,
            "To": ("whatsapp:" if kind == "whatsapp" else "")
            + (settings.TWILIO_FROM_NUMBER or "+13125550100"),
            "Body": text,
            "NumMedia": "0",
        }
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
            settings.SITE_URL + path, params
        )
        request = factory.post(
            path,
            urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature},
        )
        response = twilio_inbound(request)
    elif kind == "x_reply":
        body = json.dumps(_x_body(sender, text)).encode()
        signature = x_signature(body, consumer_secret=settings.X_CONSUMER_SECRET)
        request = factory.post(
            "/webhooks/x",
            body,
            content_type="application/json",
            headers={"x-twitter-webhooks-signature": signature},
        )
        response = x_webhook(request)
    else:
        body = json.dumps(_meta_body(kind, sender, text)).encode()
        signature = meta_signature(body, app_secret=settings.META_APP_SECRET)
        request = factory.post(
            "/webhooks/meta",
            body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signature},
        )
        response = meta_webhook(request)
    return SentAsNetwork(status=response.status_code, reply=response.content.decode(errors="replace"))
