"""Every public page that names a community area links to its neighbourhood page."""

from typing import Any

from civicloop.announcements.tests.factories import make_announcement, make_area

AREA_LINK = 'href="/areas/{slug}/"'


def test_announcement_list_and_page_link_their_areas(client: Any, db: Any) -> None:
    area = make_area()
    announcement = make_announcement(areas=[area])
    announcement.is_citywide = False
    announcement.save(update_fields=["is_citywide"])
    link = AREA_LINK.format(slug=area.slug)
    assert link in client.get("/announcements/").content.decode()
    assert link in client.get(announcement.get_absolute_url()).content.decode()


def test_ideas_and_requests_link_their_areas(client: Any, city: Any) -> None:
    idea = city.ideas[0]
    assert idea.community_area is not None
    link = AREA_LINK.format(slug=idea.community_area.slug)
    assert link in client.get(idea.question.get_absolute_url()).content.decode()
    assert link in client.get(idea.get_absolute_url()).content.decode()
    request = city.service.requests.filter(community_area__isnull=False).first()
    assert request is not None
    request_link = AREA_LINK.format(slug=request.community_area.slug)
    assert request_link in client.get(request.get_absolute_url()).content.decode()
    assert request_link in client.get("/requests/").content.decode()
