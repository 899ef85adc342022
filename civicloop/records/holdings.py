"""Every dataset that can hold a resident's personal data, and what erasure does to it (issue 15).

Kept as one module: one inventory of personal data, in erasure order, read whole against a privacy notice.
Declared here rather than in each app, so the whole list can be read (and checked against a privacy
notice) in one place. Order matters only where one holding's rows are read through another's: an
assistant conversation's messages come before the conversation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Role, StaffSecurityEvent, User
from civicloop.assistant.models import PHONE_CHANNELS, AssistantMessage, Conversation
from civicloop.deliberation.models import ConversationParticipant, Statement, Vote
from civicloop.delivery.models import Delivery, Suppression
from civicloop.engage.models import (
    Comment,
    CommentRevision,
    Idea,
    IdeaFollower,
    IdeaRevision,
    Participant,
    SpaceInvitee,
    Support,
)
from civicloop.moderation.models import Appeal, CoordinatedVotingMember, Report
from civicloop.records.registry import Erasure, Holding, Subject, holding
from civicloop.servicerequests.models import Follower, ServiceRequest, StatusChange
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber

# The name shown on a former resident's posts (stored in the site's default language).
FORMER_RESIDENT = _("Former resident")


def _deleted(rows: QuerySet[Any], subject: Subject, now: datetime) -> int:
    return rows.order_by().delete()[1].get(rows.model._meta.label, 0)


def _emails_q(field: str, subject: Subject) -> Q:
    # Addresses may have been stored as typed: compare without case, one OR per address (a handful).
    match = Q(pk__in=[])
    for email in subject.emails:
        match |= Q(**{f"{field}__iexact": email})
    return match


def _placeholder(prefix: str) -> Concat:
    # Unique per row (a unique column), and no address or number at all.
    return Concat(Value(prefix), Cast("pk", output_field=CharField()), output_field=CharField())


# ------------------------------------------------------------------------------------------ accounts


def _users_erase(rows: QuerySet[Any], subject: Subject, now: datetime) -> int:
    # Single sign-on's link to the city's identity provider, where the account has one.
    sso = {"oidc_subject": ""} if any(f.name == "oidc_subject" for f in User._meta.get_fields()) else {}
    return rows.update(
        **sso,
        is_active=False,
        is_staff=False,
        is_superuser=False,
        role=Role.RESIDENT,
        department="",
        username=_placeholder("former-resident-"),
        email="",
        first_name="",
        last_name="",
        password=make_password(None),
        community_area=None,
    )


holding(
    Holding(
        name="accounts.users",
        description=_("User accounts with this email address"),
        rows=lambda subject: User.objects.filter(pk__in=subject.user_ids),
        fields=(
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "preferred_language",
            "department",
            "community_area_id",
            "is_active",
            "date_joined",
            "last_login",
        ),
        erasure=Erasure.BLANKED,
        erase=_users_erase,
    )
)
holding(
    Holding(
        name="accounts.security_events",
        description=_("Sign-in security events of those accounts"),
        rows=lambda subject: StaffSecurityEvent.objects.filter(user_id__in=subject.user_ids),
        fields=("id", "kind", "username", "created_at", "notified_at"),
        erasure=Erasure.BLANKED,
        erase=lambda rows, subject, now: rows.update(username="", network_key=""),
    )
)

# ------------------------------------------------------------------------------------- subscriptions

holding(
    Holding(
        name="subscriptions.subscribers",
        description=_("Subscriptions to updates"),
        rows=lambda subject: Subscriber.objects.filter(pk__in=subject.subscriber_ids),
        fields=(
            "id",
            "status",
            "language",
            "frequency",
            "all_areas",
            "confirmed_at",
            "unsubscribed_at",
            "created_at",
            "updated_at",
        ),
        # Ended and emptied, not deleted: deliveries and light accounts hang off its contact points.
        erasure=Erasure.BLANKED,
        erase=lambda rows, subject, now: rows.update(
            status=Subscriber.Status.UNSUBSCRIBED,
            unsubscribed_at=Coalesce("unsubscribed_at", Value(now)),
            all_areas=False,
            token_version=F("token_version") + 1,
        ),
    )
)
holding(
    Holding(
        name="subscriptions.topics",
        description=_("Topics subscribed to"),
        rows=lambda subject: Subscriber.topics.through.objects.filter(
            subscriber_id__in=subject.subscriber_ids
        ),
        fields=("subscriber_id", "topic__slug"),
        erasure=Erasure.DELETED,
        erase=_deleted,
    )
)
holding(
    Holding(
        name="subscriptions.areas",
        description=_("Community areas subscribed to"),
        rows=lambda subject: Subscriber.areas.through.objects.filter(
            subscriber_id__in=subject.subscriber_ids
        ),
        fields=("subscriber_id", "communityarea__number", "communityarea__name"),
        erasure=Erasure.DELETED,
        erase=_deleted,
    )
)
holding(
    Holding(
        name="subscriptions.contact_points",
        description=_("Email addresses and mobile numbers"),
        rows=lambda subject: ContactPoint.objects.filter(pk__in=subject.contact_point_ids),
        fields=("id", "subscriber_id", "kind", "value", "confirmed_at", "created_at"),
        # Replaced, not deleted: the outbox's rows and light accounts point at it (CASCADE).
        erasure=Erasure.BLANKED,
        erase=lambda rows, subject, now: rows.update(value=_placeholder("erased-"), confirmed_at=None),
    )
)
holding(
    Holding(
        name="subscriptions.consent_records",
        description=_("Consent records"),
        rows=lambda subject: ConsentRecord.objects.filter(subscriber_id__in=subject.subscriber_ids),
        fields=("id", "subscriber_id", "action", "channel", "text", "language", "preferences", "created_at"),
        erasure=Erasure.DELETED,
        erase=_deleted,
    )
)

# ------------------------------------------------------------------------------------------ delivery


def _deliveries_erase(rows: QuerySet[Any], subject: Subject, now: datetime) -> int:
    cancelled = rows.filter(status=Delivery.Status.QUEUED).update(status=Delivery.Status.CANCELLED)
    return cancelled + rows.exclude(error="").update(error="")


holding(
    Holding(
        name="delivery.deliveries",
        description=_("Messages sent to those addresses and numbers"),
        rows=lambda subject: Delivery.objects.filter(contact_point_id__in=subject.contact_point_ids),
        fields=("id", "message_id", "message__kind", "channel", "language", "status", "attempts", "sent_at"),
        # The sending statistics keep the row; what is still queued is cancelled.
        erasure=Erasure.ANONYMISED,
        erase=_deliveries_erase,
    )
)
holding(
    Holding(
        name="delivery.suppressions",
        description=_("Addresses and numbers the city must not send to"),
        rows=lambda subject: Suppression.objects.filter(
            Q(channel="email", value__in=subject.emails)
            | Q(channel__in=["sms", "whatsapp"], value__in=subject.phones)
        ),
        fields=("channel", "value", "reason", "created_at"),
        erasure=Erasure.KEPT,
        why_kept=_(
            "A number that texted STOP, or an address that bounced or complained, must never be sent to "
            "again; the list holds only the address or number and the reason, linked to nothing else."
        ),
    )
)

# ------------------------------------------------------------------------------------------------ 311


def _requests_of(subject: Subject) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(_emails_q("email", subject) | Q(phone__in=subject.phones))


holding(
    Holding(
        name="servicerequests.requests",
        description=_("311 service requests"),
        rows=_requests_of,
        fields=(
            "public_id",
            "service__code",
            "status",
            "detailed_status",
            "description",
            "address",
            "latitude",
            "longitude",
            "photo",
            "channel",
            "email",
            "phone",
            "first_name",
            "last_name",
            "device_id",
            "account_id",
            "language",
            "requested_at",
            "closed_at",
        ),
        # The request stays public; the private contact fields are emptied.
        erasure=Erasure.ANONYMISED,
        erase=lambda rows, subject, now: rows.update(
            email="", phone="", first_name="", last_name="", device_id="", account_id=""
        ),
    )
)
holding(
    Holding(
        name="servicerequests.status_changes",
        description=_("The timeline of those requests"),
        rows=lambda subject: StatusChange.objects.filter(request__in=_requests_of(subject), public=True),
        fields=("request__public_id", "status", "detailed_status", "note", "created_at"),
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="servicerequests.followers",
        description=_("311 requests followed"),
        rows=lambda subject: Follower.objects.filter(contact_point_id__in=subject.contact_point_ids),
        fields=("request__public_id", "contact_point_id", "is_requester", "confirmed_at", "created_at"),
        erasure=Erasure.DELETED,
        erase=_deleted,
    )
)

# ------------------------------------------------------------------------------------- ideas (engage)


def _participants_erase(rows: QuerySet[Any], subject: Subject, now: datetime) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        name = str(FORMER_RESIDENT)
    # Unconfirmed: nothing is sent to it any more, and no sign-in link can reach it.
    return rows.update(
        display_name=name,
        pending_display_name="",
        pending_language="",
        confirmed_at=None,
        token_version=F("token_version") + 1,
    )


holding(
    Holding(
        name="engage.participants",
        description=_("Names shown with ideas and comments"),
        rows=lambda subject: Participant.objects.filter(
            Q(contact_point_id__in=subject.contact_point_ids) | Q(user_id__in=subject.user_ids)
        ),
        fields=("id", "display_name", "language", "confirmed_at", "created_at"),
        # Posts stay public, shown as by a former resident.
        erasure=Erasure.ANONYMISED,
        erase=_participants_erase,
    )
)
holding(
    Holding(
        name="engage.ideas",
        description=_("Ideas posted"),
        rows=lambda subject: Idea.objects.filter(author_id__in=subject.participant_ids),
        fields=(
            "id",
            "question__text",
            "title",
            "body",
            "status",
            "moderation_state",
            "community_area_id",
            "created_at",
            "edited_at",
        ),
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="engage.idea_revisions",
        description=_("Earlier versions of those ideas"),
        rows=lambda subject: IdeaRevision.objects.filter(idea__author_id__in=subject.participant_ids),
        fields=("idea_id", "title", "body", "created_at"),
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="engage.comments",
        description=_("Comments posted"),
        rows=lambda subject: Comment.objects.filter(author_id__in=subject.participant_ids),
        fields=("id", "idea_id", "parent_id", "body", "moderation_state", "created_at", "edited_at"),
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="engage.comment_revisions",
        description=_("Earlier versions of those comments"),
        rows=lambda subject: CommentRevision.objects.filter(comment__author_id__in=subject.participant_ids),
        fields=("comment_id", "body", "created_at"),
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="engage.supports",
        description=_("Ideas supported"),
        rows=lambda subject: Support.objects.filter(participant_id__in=subject.participant_ids),
        fields=("idea_id", "created_at"),
        # The count on the idea stays right; the network key goes.
        erasure=Erasure.ANONYMISED,
        erase=lambda rows, subject, now: rows.exclude(network_key="").update(network_key=""),
    )
)
holding(
    Holding(
        name="engage.idea_follows",
        description=_("Ideas followed"),
        rows=lambda subject: IdeaFollower.objects.filter(participant_id__in=subject.participant_ids),
        fields=("idea_id", "stopped_at", "created_at"),
        erasure=Erasure.DELETED,
        erase=_deleted,
    )
)
holding(
    Holding(
        name="engage.space_invitations",
        description=_("Invitations to invite-only spaces"),
        rows=lambda subject: SpaceInvitee.objects.filter(contact_point_id__in=subject.contact_point_ids),
        fields=("space__title", "created_at"),
        erasure=Erasure.DELETED,
        erase=_deleted,
    )
)

# ---------------------------------------------------------------------------------------- moderation

holding(
    Holding(
        name="moderation.reports",
        description=_("Reports of ideas and comments"),
        rows=lambda subject: Report.objects.filter(reporter_id__in=subject.participant_ids),
        fields=("id", "idea_id", "comment_id", "reason", "note", "created_at"),
        # Part of the moderation audit trail, which is never edited.
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="moderation.appeals",
        description=_("Appeals of moderators' decisions"),
        rows=lambda subject: Appeal.objects.filter(author_id__in=subject.participant_ids),
        fields=("case_id", "text", "created_at"),
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="moderation.coordinated_voting",
        description=_("Coordinated-voting reviews that included the account"),
        rows=lambda subject: CoordinatedVotingMember.objects.filter(
            participant_id__in=subject.participant_ids
        ),
        fields=("case_id", "case__kind", "case__state"),
        erasure=Erasure.ANONYMISED,
    )
)

# -------------------------------------------------------------------------------------- deliberation

holding(
    Holding(
        name="deliberation.participants",
        description=_("Opinion-mapping conversations taken part in"),
        rows=lambda subject: ConversationParticipant.objects.filter(resident_id__in=subject.participant_ids),
        fields=("conversation_id", "conversation__title", "external_id", "created_at"),
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="deliberation.statements",
        description=_("Statements written in those conversations"),
        rows=lambda subject: Statement.objects.filter(author__resident_id__in=subject.participant_ids),
        fields=("conversation_id", "external_id", "text", "moderation", "created_at"),
        erasure=Erasure.ANONYMISED,
    )
)
holding(
    Holding(
        name="deliberation.votes",
        description=_("Votes on statements"),
        rows=lambda subject: Vote.objects.filter(participant__resident_id__in=subject.participant_ids),
        fields=("conversation_id", "statement__external_id", "value", "created_at"),
        erasure=Erasure.ANONYMISED,
    )
)

# ----------------------------------------------------------------------------------------- assistant


def _text_conversations(subject: Subject) -> QuerySet[Conversation]:
    return Conversation.objects.filter(channel__in=PHONE_CHANNELS, phone__in=subject.phones)


holding(
    Holding(
        name="assistant.messages",
        description=_("Text messages to and from the city"),
        rows=lambda subject: AssistantMessage.objects.filter(conversation__in=_text_conversations(subject)),
        fields=("conversation_id", "direction", "body", "media", "handled_as", "created_at"),
        erasure=Erasure.DELETED,
        erase=_deleted,
    )
)
holding(
    Holding(
        name="assistant.conversations",
        description=_("Text conversations with the city"),
        rows=_text_conversations,
        fields=(
            "id",
            "phone",
            "language",
            "step",
            "context",
            "opted_out_at",
            "created_at",
            "last_message_at",
        ),
        # Private, and identified by the number alone; an opt-out is kept on the suppression list.
        erasure=Erasure.DELETED,
        erase=_deleted,
    )
)
