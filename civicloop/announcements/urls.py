from django.urls import path

from civicloop.announcements import feeds, views

app_name = "announcements"
urlpatterns = [
    path("", views.home, name="home"),
    path("announcements/", views.announcement_list, name="list"),
    path("announcements/<slug:slug>/", views.announcement_detail, name="detail"),
    path("announcements/<slug:slug>/card.png", views.announcement_card, name="card"),
    path(
        "announcements/<slug:slug>/card.jpg",
        views.announcement_card,
        {"image_format": "jpeg"},
        name="card-jpeg",
    ),
    path("feeds/announcements.atom", feeds.AnnouncementsAtomFeed(), name="feed-atom"),
    path("feeds/announcements.rss", feeds.AnnouncementsRssFeed(), name="feed-rss"),
    path("events.ics", feeds.events_calendar, name="events-ics"),
    path("events/<slug:topic>.ics", feeds.events_calendar, name="events-topic-ics"),
]
