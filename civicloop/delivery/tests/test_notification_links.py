"""A notification's recipient links come from the app that registered its context key; others get none."""

from civicloop.delivery import notification_links as links


def test_the_apps_that_send_follower_updates_registered_their_links():
    assert list(links._makers) == ["request_id", "idea_id"]  # servicerequests, then engage (their ready())


def test_the_first_registered_key_the_context_holds_makes_the_links(monkeypatch):
    monkeypatch.setattr(links, "_makers", {})
    links.notification_links_register(
        "thing_id", lambda context, cp: {"unsubscribe_url": f"/t/{context['thing_id']}/{cp}"}
    )

    assert links.notification_links({"thing_id": 7, "other": 1}, 3) == {"unsubscribe_url": "/t/7/3"}
    assert links.notification_links({"thing_id": 0}, 3) is None  # an empty key claims nothing
    assert links.notification_links({"announcement_id": 7}, 3) is None
