"""Engage pages: refusals, bad input, inert HTML, honeypot, rate limits, magic link, constant queries."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.delivery.models import Delivery
from civicloop.engage.models import Comment, Idea, Participant, Space, Support
from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import comment_create, idea_create, official_reply_create, space_invitees_add
from civicloop.engage.tests.conftest import client_for, make_question, make_resident, make_space

pytestmark = pytest.mark.django_db

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    "</textarea><script>alert(1)</script>",
]


def new_idea_url(question):
    return f"/ideas/{question.space.slug}/{question.slug}/new/"


def post_idea(question, participant, title="Benches", body="More benches by the lake."):
    return idea_create(
        question=question, viewer=viewer_for(user=None, participant_id=participant.pk), title=title, body=body
    )


def test_posting_an_idea_through_the_form(question):
    client = client_for(make_resident())

    response = client.post(
        new_idea_url(question), {"title": "Benches", "body": "By the lake.", "website": ""}
    )

    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ideas/{idea.pk}/"
    assert (idea.title, idea.body) == ("Benches", "By the lake.")


def test_empty_and_oversized_posts_are_form_errors_and_store_nothing(question):
    client = client_for(make_resident())

    empty = client.post(new_idea_url(question), {"title": "", "body": ""})
    oversized = client.post(new_idea_url(question), {"title": "x" * 151, "body": "y" * 5001})

    assert empty.status_code == oversized.status_code == 400
    assert "Give your idea a short title." in empty.content.decode()
    assert "Ensure this value has at most 150 characters" in oversized.content.decode()
    assert not Idea.objects.exists()


def test_posting_to_a_closed_question_is_a_clear_403_and_stores_nothing(question):
    now = timezone.now()
    closed = make_question(question.space, text="Old", opens_at=now - timedelta(days=9), closes_at=now)
    client = client_for(make_resident())

    response = client.post(new_idea_url(closed), {"title": "Late", "body": "Too late."})

    assert response.status_code == 403
    assert "This question is not open" in response.content.decode()
    assert not Idea.objects.exists()


@pytest.mark.parametrize("visibility", [Space.Visibility.STAFF, Space.Visibility.INVITE])
def test_someone_else_s_space_is_refused_for_reading_and_posting(visibility):
    space = make_space(visibility, title="Private")
    question = make_question(space)
    space_invitees_add(space=space, contacts=["someone.else@example.org"])
    client = client_for(make_resident())

    page = client.get(question.get_absolute_url())
    posted = client.post(new_idea_url(question), {"title": "Sneaky", "body": "In."})

    assert page.status_code == posted.status_code == 403
    assert not Idea.objects.exists()


def test_an_invited_resident_reads_and_posts_in_an_invite_only_space():
    space = make_space(Space.Visibility.INVITE, title="Youth council")
    question = make_question(space)
    space_invitees_add(space=space, contacts=["ana@example.org"])
    client = client_for(make_resident("ana@example.org"))

    assert client.get(question.get_absolute_url()).status_code == 200
    assert client.post(new_idea_url(question), {"title": "Skate park", "body": "Please."}).status_code == 302


def test_staff_read_a_staff_only_space(staff_member):
    question = make_question(make_space(Space.Visibility.STAFF, title="Staff ideas"))
    client = Client()
    client.force_login(staff_member)

    assert client.get(question.get_absolute_url()).status_code == 200


def test_staff_post_in_a_staff_only_space_with_their_login(staff_member):
    question = make_question(make_space(Space.Visibility.STAFF, title="Staff ideas"))
    client = Client()
    client.force_login(staff_member)

    response = client.post(
        new_idea_url(question), {"title": "Fewer forms", "body": "Merge the permit forms."}
    )

    idea = Idea.objects.get()
    assert response.status_code == 302 and idea.author.user == staff_member
    assert idea.author.display_name == "Pat Officer"


def test_signed_out_visitors_are_sent_to_sign_in_before_posting(question):
    response = Client().get(new_idea_url(question))

    assert response.status_code == 302 and response["Location"].startswith("/ideas/sign-in/?next=")


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_html_and_script_in_any_text_are_shown_inert(question, payload, staff_member):
    ana = make_resident(name=payload)
    idea = post_idea(question, ana, title=payload, body=payload)
    comment_create(idea=idea, viewer=viewer_for(user=None, participant_id=ana.pk), body=payload)
    official_reply_create(idea=idea, user=staff_member, body=payload)
    client = client_for(ana)

    pages = [client.get(idea.get_absolute_url()), client.get(question.get_absolute_url())]

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert payload not in html
        assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=&quot;", "")


def test_the_honeypot_quietly_stores_nothing(question):
    client = client_for(make_resident())

    response = client.post(
        new_idea_url(question), {"title": "Buy pills", "body": "Spam", "website": "http://x"}
    )

    assert response.status_code == 302 and not Idea.objects.exists()


def test_supporting_twice_through_the_page_counts_once(question):
    idea = post_idea(question, make_resident())
    client = client_for(make_resident("ben@example.org", name="Ben"))

    client.post(f"/ideas/{idea.pk}/support/")
    client.post(f"/ideas/{idea.pk}/support/")

    idea.refresh_from_db()
    assert (idea.supports_count, Support.objects.count()) == (1, 1)


def test_a_support_keeps_a_keyed_hash_of_the_network_address_never_the_address(question):
    idea = post_idea(question, make_resident())
    supporters = [make_resident(f"s{n}@example.org", name=f"S{n}") for n in range(3)]
    addresses = ["203.0.113.7", "203.0.113.7", "198.51.100.4"]

    for person, address in zip(supporters, addresses, strict=True):
        client_for(person).post(f"/ideas/{idea.pk}/support/", REMOTE_ADDR=address)

    keys = list(Support.objects.order_by("participant_id").values_list("network_key", flat=True))
    assert len(keys[0]) == 32 and keys[0] == keys[1] != keys[2]
    assert not any("203.0.113" in key or "198.51" in key for key in keys)


def test_one_network_address_is_rate_limited_on_posting(question, monkeypatch):
    monkeypatch.setattr("civicloop.engage.views.posting.POSTS_PER_ADDRESS", 2)
    residents = [make_resident(f"r{n}@example.org", name=f"R{n}") for n in range(3)]

    codes = [
        client_for(person).post(new_idea_url(question), {"title": f"Idea {n}", "body": "Body"}).status_code
        for n, person in enumerate(residents)
    ]

    assert codes == [302, 302, 429] and Idea.objects.count() == 2


def test_the_author_sees_a_held_idea_with_its_reasons_and_others_do_not_see_it(question):
    ana = make_resident()
    idea = post_idea(question, ana, body="Only idiots park here.")

    own = client_for(ana).get(idea.get_absolute_url())
    other = client_for(make_resident("ben@example.org", name="Ben")).get(idea.get_absolute_url())
    listing = Client().get(question.get_absolute_url())

    assert own.status_code == 200 and "It may break the code of conduct." in own.content.decode()
    assert other.status_code == 404
    assert idea.title not in listing.content.decode()


def test_a_reply_to_a_comment_through_the_page(question):
    ana = make_resident()
    idea = post_idea(question, ana)
    top = comment_create(idea=idea, viewer=viewer_for(user=None, participant_id=ana.pk), body="Where?")

    response = client_for(ana).post(
        f"/ideas/{idea.pk}/comments/", {"body": "Near 31st St.", "parent": top.pk}
    )

    reply = Comment.objects.get(body="Near 31st St.")
    assert response.status_code == 302 and reply.parent_id == top.pk


def test_sign_in_by_magic_link_in_the_resident_s_language(django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/ideas/sign-in/",
            {"display_name": "Ana", "contact": "Ana@Example.org", "next": "/ideas/"},
            HTTP_ACCEPT_LANGUAGE="es",
        )
    assert response.status_code == 200
    participant = Participant.objects.get()
    delivery = Delivery.objects.get(contact_point_id=participant.contact_point_id)
    link = str(delivery.message.context["link"])
    path = link.removeprefix("https://city.example.org")

    shown = client.get(path)  # a mail scanner opening the link signs nobody in
    participant.refresh_from_db()
    assert shown.status_code == 200 and participant.confirmed_at is None
    signed_in = client.post(path.split("?")[0], {"next": "/ideas/"})

    participant.refresh_from_db()
    assert (delivery.language, delivery.message.template) == ("es", "idea_sign_in")
    assert signed_in.status_code == 302 and participant.confirmed_at is not None
    assert client.session["engage_participant_id"] == participant.pk


def test_sign_in_links_to_one_address_are_limited(monkeypatch):
    monkeypatch.setattr("civicloop.engage.services.participants.SIGN_IN_LINKS_PER_CONTACT", 1)
    form = {"display_name": "Ana", "contact": "ana@example.org"}

    codes = [Client(REMOTE_ADDR=f"10.0.0.{n}").post("/ideas/sign-in/", form).status_code for n in (1, 2)]

    assert codes == [200, 429]


def test_a_forged_sign_in_link_is_refused():
    response = Client().post("/ideas/sign-in/not-a-token/")

    assert response.status_code == 400 and "not valid" in response.content.decode()


# Question page: question, session, participant, count, ideas, one UPDATE of views, the viewer's supports.
QUESTION_PAGE_QUERIES = 7
# Idea page: idea, session, participant, comments (count, the page, their replies), timeline, the
# viewer's support and follow.
IDEA_PAGE_QUERIES = 8


def test_the_question_page_takes_the_same_queries_for_2_or_12_ideas(question, django_assert_num_queries):
    ana, cy = make_resident(), make_resident("cy@example.org", name="Cy")
    client = client_for(make_resident("ben@example.org", name="Ben"))
    for n in range(2):
        post_idea(question, ana, title=f"Idea {n}")
    with django_assert_num_queries(QUESTION_PAGE_QUERIES):
        client.get(question.get_absolute_url())
    for n in range(10):
        post_idea(question, cy if n % 2 else ana, title=f"More {n}")

    with django_assert_num_queries(QUESTION_PAGE_QUERIES):
        response = client.get(question.get_absolute_url())

    assert response.content.decode().count('<li class="card">') == 12


def test_the_idea_page_takes_the_same_queries_for_any_discussion(
    question, staff_member, django_assert_num_queries
):
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    idea = post_idea(question, ana)
    client = client_for(ben)
    comment_create(idea=idea, viewer=viewer_for(user=None, participant_id=ben.pk), body="First")
    with django_assert_num_queries(IDEA_PAGE_QUERIES):
        client.get(idea.get_absolute_url())
    for n in range(5):
        top = comment_create(idea=idea, viewer=viewer_for(user=None, participant_id=ana.pk), body=f"Top {n}")
        comment_create(
            idea=idea, viewer=viewer_for(user=None, participant_id=ben.pk), body="Reply", parent=top
        )
    official_reply_create(idea=idea, user=staff_member, body="We hear you.")

    with django_assert_num_queries(IDEA_PAGE_QUERIES):
        response = client.get(idea.get_absolute_url())

    assert "We hear you." in response.content.decode()


def test_the_author_sees_why_a_comment_is_held(question):
    ana = make_resident()
    idea = post_idea(question, ana)
    comment_create(idea=idea, viewer=viewer_for(user=None, participant_id=ana.pk), body="You idiots.")

    own = client_for(ana).get(idea.get_absolute_url()).content.decode()
    others = Client().get(idea.get_absolute_url()).content.decode()

    assert "You idiots." in own and "It may break the code of conduct." in own
    assert "You idiots." not in others


def test_the_question_page_orders_by_fair_rotation_with_other_sorts_one_click_away(question):
    ana = make_resident()
    idea = post_idea(question, ana)
    Idea.objects.filter(pk=idea.pk).update(supports_count=999)

    page = Client().get(question.get_absolute_url()).content.decode()

    for sort in ("?sort=newest", "?sort=discussed", "?sort=picks"):
        assert sort in page
    assert Idea.objects.get().rotation_views == 1


def test_a_long_discussion_comes_in_pages_with_replies_under_their_comment(question, monkeypatch):
    monkeypatch.setattr("civicloop.engage.selectors.idea_pages.THREADS_PER_PAGE", 3)
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    idea = post_idea(question, ana)
    ana_viewer, ben_viewer = (
        viewer_for(user=None, participant_id=ana.pk),
        viewer_for(user=None, participant_id=ben.pk),
    )
    tops = [comment_create(idea=idea, viewer=ana_viewer, body=f"Top {n}") for n in range(7)]
    comment_create(idea=idea, viewer=ben_viewer, body="Reply to five", parent=tops[5])
    client = client_for(ben)

    first, third = client.get(idea.get_absolute_url()), client.get(f"{idea.get_absolute_url()}?page=3")

    first_html, third_html = first.content.decode(), third.content.decode()
    assert all(f"Top {n}" in first_html for n in range(3)) and "Top 3" not in first_html
    assert "Page 1 of 3" in first_html and "?page=2#comments" in first_html
    assert "Top 6" in third_html and "Top 5" not in third_html and "Reply to five" not in third_html
    second = client.get(f"{idea.get_absolute_url()}?page=2").content.decode()
    assert "Reply to five" in second and second.index("Top 5") < second.index("Reply to five")


def test_after_commenting_the_resident_lands_on_the_page_with_the_comment(question, monkeypatch):
    monkeypatch.setattr("civicloop.engage.selectors.idea_pages.THREADS_PER_PAGE", 2)
    ana = make_resident()
    idea = post_idea(question, ana)
    viewer = viewer_for(user=None, participant_id=ana.pk)
    for n in range(4):
        comment_create(idea=idea, viewer=viewer, body=f"Top {n}")

    response = client_for(make_resident("ben@example.org", name="Ben")).post(
        f"/ideas/{idea.pk}/comments/", {"body": "Fifth, on page three"}
    )

    comment = Comment.objects.get(body="Fifth, on page three")
    assert response["Location"] == f"{idea.get_absolute_url()}?page=3#comment-{comment.pk}"


@pytest.mark.parametrize("visibility", [Space.Visibility.STAFF, Space.Visibility.INVITE])
def test_an_idea_in_a_closed_space_is_not_found_like_a_missing_one(visibility):
    question = make_question(make_space(visibility, title="Private"))
    insider = make_resident("insider@example.org", name="Insider")
    space_invitees_add(space=question.space, contacts=["insider@example.org"])
    idea = Idea.objects.create(
        question=question, author=insider, title="Inside", body="Not public.", created_at=timezone.now()
    )
    outsider = client_for(make_resident("out@example.org", name="Out"))
    missing_id = Idea.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000

    for client in (Client(), outsider):
        existing = client.get(f"/ideas/{idea.pk}/")
        missing = client.get(f"/ideas/{missing_id}/")
        comment = client.post(f"/ideas/{idea.pk}/comments/", {"body": "Hello"})
        assert existing.status_code == missing.status_code == comment.status_code == 404
        assert without_csrf(existing) == without_csrf(missing)


def without_csrf(response):
    """The page less what differs by request anyway: the CSRF token and the language form's own path."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", page)
