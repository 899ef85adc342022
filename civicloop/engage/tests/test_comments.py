"""Comments (services.comments): two levels of replies, edits with history."""

import pytest

from civicloop.engage.models import Comment, CommentRevision
from civicloop.engage.services import comment_create, comment_edit
from civicloop.engage.tests.conftest import as_viewer, make_resident, post

pytestmark = pytest.mark.django_db


def test_replies_to_replies_stay_two_levels_deep(question):
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    idea = post(question, ana)
    top = comment_create(idea=idea, viewer=as_viewer(ben), body="Which path?")
    reply = comment_create(idea=idea, viewer=as_viewer(ana), body="The lakefront one.", parent=top)

    deeper = comment_create(idea=idea, viewer=as_viewer(ben), body="Thanks!", parent=reply)

    assert (reply.parent_id, deeper.parent_id) == (top.pk, top.pk)
    idea.refresh_from_db()
    assert idea.comments_count == 3


def test_a_comment_is_edited_with_history(question):
    ana = make_resident()
    idea = post(question, ana)
    comment = comment_create(idea=idea, viewer=as_viewer(ana), body="Frist")

    comment_edit(comment=comment, viewer=as_viewer(ana), body="First")

    assert Comment.objects.get().body == "First"
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["Frist"]
