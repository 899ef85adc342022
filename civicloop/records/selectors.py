"""Reads for records requests: who a resident is in the records, and everything held about them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.engage.models import Participant
from civicloop.records.errors import RecordsInvalid
from civicloop.records.registry import Holding, Subject, holdings
from civicloop.subscriptions.contacts import email_normalise, phone_normalise
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.models import ContactPoint


def identifiers_normalise(*, email: str = "", phone: str = "") -> tuple[str, str]:
    """The email address lowercased and the number in E.164, as the platform stores them."""
    if not email.strip() and not phone.strip():
        raise RecordsInvalid(_("Give an email address or a phone number."), field="email")
    try:
        return (
            email_normalise(email) if email.strip() else "",
            phone_normalise(phone) if phone.strip() else "",
        )
    except SubscriptionInvalid as error:
        raise RecordsInvalid(error.message, field=error.field) from error


def subject_find(*, email: str = "", phone: str = "") -> Subject:
    """The resident known by this email address and/or phone number (raises RecordsInvalid).

    The subscriber behind a matching contact point is one person: their other contact points count
    too (a number they added to the same subscription leads to their texts).
    """
    email, phone = identifiers_normalise(email=email, phone=phone)
    given = Q(pk__in=[])
    if email:
        given |= Q(kind=ContactPoint.Kind.EMAIL, value=email)
    if phone:
        given |= Q(kind__in=[ContactPoint.Kind.SMS, ContactPoint.Kind.WHATSAPP], value=phone)
    subscriber_ids = set(ContactPoint.objects.filter(given).values_list("subscriber_id", flat=True))
    points = list(
        ContactPoint.objects.filter(given | Q(subscriber_id__in=subscriber_ids)).values_list(
            "pk", "kind", "value"
        )
    )
    emails = {email} - {""} | {value for _pk, kind, value in points if kind == ContactPoint.Kind.EMAIL}
    phones = {phone} - {""} | {
        value for _pk, kind, value in points if kind in (ContactPoint.Kind.SMS, ContactPoint.Kind.WHATSAPP)
    }
    point_ids = {pk for pk, _kind, _value in points}
    by_email = Q(pk__in=[])
    for address in emails:
        by_email |= Q(email__iexact=address)
    user_ids = set(User.objects.filter(by_email).values_list("pk", flat=True)) if emails else set()
    participant_ids = set(
        Participant.objects.filter(Q(contact_point_id__in=point_ids) | Q(user_id__in=user_ids)).values_list(
            "pk", flat=True
        )
    )
    return Subject(
        emails=frozenset(emails),
        phones=frozenset(phones),
        contact_point_ids=frozenset(point_ids),
        subscriber_ids=frozenset(subscriber_ids),
        participant_ids=frozenset(participant_ids),
        user_ids=frozenset(user_ids),
        identified_by=",".join(name for name, value in (("email", email), ("phone", phone)) if value),
    )


def _dataset(declared: Holding, subject: Subject) -> dict[str, Any]:
    rows = declared.rows(subject).order_by("pk").values(*declared.fields)
    return {
        "description": str(declared.description),
        "on_erasure": str(declared.erasure),
        **({"why_kept": str(declared.why_kept)} if declared.why_kept else {}),
        "rows": list(rows),
    }


def records_export(subject: Subject) -> dict[str, Any]:
    """Every row held about the resident, by dataset (one query each), ready for DjangoJSONEncoder."""
    return {
        "generated_at": timezone.now(),
        "asked_about": {"emails": sorted(subject.emails), "phones": sorted(subject.phones)},
        "datasets": {declared.name: _dataset(declared, subject) for declared in holdings()},
    }


def export_counts(document: dict[str, Any]) -> dict[str, int]:
    return {name: len(dataset["rows"]) for name, dataset in document["datasets"].items() if dataset["rows"]}


def holdings_counts(subject: Subject) -> list[tuple[Holding, int]]:
    """Rows held per dataset (one COUNT each), the datasets holding none left out."""
    counted = [(declared, declared.rows(subject).count()) for declared in holdings()]
    return [(declared, count) for declared, count in counted if count]
