"""The demo city `make run` loads: every part has something to show, and loading twice changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.servicerequests.models import ServiceRequest

pytestmark = pytest.mark.django_db


def test_demo_city_has_311_requests_at_every_stage_and_a_department_queue():
    out = StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=out)

    history = ServiceRequest.objects.filter(token__startswith="bench-")
    demo = ServiceRequest.objects.exclude(pk__in=history.values("pk"))
    assert demo.count() == 40
    assert history.count() == 4000  # once, however often the demo runs: the dashboards' year
    newest_history = history.order_by("-requested_at").values_list("requested_at", flat=True).first()
    assert newest_history is not None and newest_history < demo.order_by("requested_at")[0].requested_at
    assert set(demo.values_list("detailed_status", flat=True)) == {
        "submitted",
        "acknowledged",
        "in_progress",
        "completed",
    }
    overdue = demo.filter(status="open", expected_at__lt=timezone.now())
    assert overdue.exists()  # the staff queue has SLA breaches to highlight
    assert not demo.filter(community_area__isnull=True).exists()
    assert User.objects.get(username="department").department == "Transportation"
    assert "4040 311 requests" in out.getvalue()


def test_demo_city_has_a_public_question_and_a_staff_jam_with_one_rude_idea_held():
    from civicloop.engage.models import Idea, Question

    call_command("demo", stdout=StringIO())

    jam = Question.objects.get(is_jam=True)
    assert (
        jam.space.visibility == "staff" and 70 <= (jam.closes_at - jam.opens_at).total_seconds() / 3600 <= 72
    )
    assert Question.objects.filter(is_jam=False, space__visibility="public").count() == 1
    assert list(Idea.objects.filter(moderation_state="held").values_list("held_reasons", flat=True)) == [
        ["uncivil"]
    ]
    assert Idea.objects.filter(moderation_state="published").count() == 4


def test_demo_city_has_a_public_opinion_conversation_with_groups_and_consensus():
    from django.test import Client

    from civicloop.deliberation.models import AnalysisResult, Conversation

    out = StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=out)

    conversation = Conversation.objects.get()
    analysis = AnalysisResult.objects.get(conversation=conversation)  # analysed once, not on every load
    report = Client().get(f"/conversations/{conversation.pk}/report/")
    assert conversation.space is not None and conversation.space.visibility == "public"
    assert analysis.enough_data and analysis.participants >= 250
    assert len(analysis.opinion_map["groups"]) >= 2 and analysis.opinion_map["consensus"]
    assert report.status_code == 200 and "Buses should come more often" in report.content.decode()
    assert f"/conversations/{conversation.pk}/" in out.getvalue()
