from datetime import timedelta

from django.core.management.base import BaseCommand

from civicloop.accounts.models import User
from civicloop.announcements.models import Announcement
from civicloop.assistant.services.knowledge import faq_demo_load
from civicloop.deliberation.demo import demo_conversation_ensure
from civicloop.demo.announcements import SCHEDULED_DEMO, demo_announcement_ensure
from civicloop.demo.content import DEMO_ANNOUNCEMENTS, DEMO_PASSWORD, DEMO_STAFF
from civicloop.demo.forums import demo_engage_ensure
from civicloop.demo.service_requests import demo_history_ensure, demo_requests_ensure
from civicloop.demo.staff import DEMO_DEPARTMENT, demo_staff_ensure
from civicloop.demo.subscribers import demo_subscribers_ensure
from civicloop.directory.services import directory_demo_load, directory_entries_for_311_sync
from civicloop.engage.models import Space
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import services_load
from civicloop.topics.services import topics_ensure


class Command(BaseCommand):
    help = "Load the demo city: community areas, topics, staff of each role, announcements (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        areas = community_areas_load()
        topics = topics_ensure()
        demo_staff_ensure()
        # The department login works one real queue (least privilege); the admin sees every queue.
        User.objects.filter(username="department").update(department=DEMO_DEPARTMENT)
        created = sum(demo_announcement_ensure(item) for item in DEMO_ANNOUNCEMENTS)
        created += demo_announcement_ensure(SCHEDULED_DEMO, schedule_in=timedelta(minutes=2))
        subscribers = demo_subscribers_ensure()
        services = services_load()
        # The 311 services belong to the directory, beside the city's programs and life-event journeys.
        directory_entries_for_311_sync()
        directory = directory_demo_load(owner=User.objects.get(username="admin"))
        requests = demo_requests_ensure()
        demo_history_ensure()
        requests = ServiceRequest.objects.count()
        ideas = demo_engage_ensure(
            User.objects.get(username="admin"), User.objects.get(username="department")
        )
        faq = faq_demo_load()
        conversation = demo_conversation_ensure(space=Space.objects.get(slug="citywide"))
        total = Announcement.objects.count()
        self.stdout.write(
            f"Demo city ready: {areas} community areas, {topics} topics, "
            f"{total} announcements ({created} new), {subscribers} demo subscribers, "
            f"{services} 311 services, {directory.entries} programs and {directory.life_events} life events "
            f"at /services/, {requests} 311 requests, {ideas} ideas, "
            f"{faq.created + faq.updated + faq.unchanged} answers for the assistant, "
            f"an opinion-mapping conversation at /conversations/{conversation.pk}/ "
            f"(report: /conversations/{conversation.pk}/report/)."
        )
        self.stdout.write(f"Demo staff logins at /staff/ (password for all: {DEMO_PASSWORD}):")
        for username, _email, role, name in DEMO_STAFF:
            self.stdout.write(f"  {username:<11} {role:<15} {name}")
