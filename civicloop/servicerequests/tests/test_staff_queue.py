"""The staff 311 queues: department scoping, filters and sorting, SLA breaches, bulk close, status changes,
duplicates (merging followers), assignment, roles, CSRF and escaping."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.accounts.services import staff_user_ensure
from civicloop.core.images import image_sanitise
from civicloop.core.tests import image_samples as samples
from civicloop.delivery.models import Delivery
from civicloop.places.selectors import community_area_index_clear
from civicloop.servicerequests.models import Follower, ServiceRequest, StatusChange
from civicloop.servicerequests.services import (
    RequestInput,
    service_request_assign,
    service_request_create,
    service_request_status_change,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-1"
PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}  # Lower West Side
LOOP = {"latitude": "41.8818", "longitude": "-87.6278"}
TRANSPORTATION = "Transportation"
WATER = "Water Management"
QUEUE = "/staff/requests/"


@pytest.fixture(autouse=True)
def _fresh_state(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    community_area_index_clear()
    yield
    community_area_index_clear()


def make_staff(
    username: str, role: Role = Role.DEPARTMENT, department: str = "", full_name: str = ""
) -> User:
    user = staff_user_ensure(
        username=username,
        email=f"{username}@city.example",
        role=role,
        password=PASSWORD,
        full_name=full_name or f"{username.title()} Staff",
    )
    user.department = department
    user.save(update_fields=["department"])
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pothole(catalogue, *, days_ago: float = 0, where=PILSEN, **overrides) -> ServiceRequest:
    values = {
        "service_code": catalogue["Pothole in Street Complaint"].code,
        **where,
        "attributes": {"WHEREIST": ["TRAFFIC"]},
    }
    values.update(overrides)
    moment = timezone.now() - timedelta(days=days_ago)
    return service_request_create(data=RequestInput(**values), now=moment)


def sidewalk(catalogue, **overrides) -> ServiceRequest:
    values = {
        "service_code": catalogue["Sidewalk Inspection Request"].code,
        **PILSEN,
        "attributes": {"DAMAGE": ["RAISED"]},
    }
    values.update(overrides)
    return service_request_create(data=RequestInput(**values))


def water_on_street(catalogue, **overrides) -> ServiceRequest:
    values = {
        "service_code": catalogue["Water On Street Complaint"].code,
        **PILSEN,
        "attributes": {"SOURCE": ["HYDRANT"]},
    }
    values.update(overrides)
    return service_request_create(data=RequestInput(**values))


@pytest.fixture
def roads(catalogue) -> User:
    return make_staff("rosa", department=TRANSPORTATION, full_name="Rosa Vega")


@pytest.fixture
def roads_client(roads) -> Client:
    return signed_in(roads)


@pytest.fixture
def admin_client(catalogue) -> Client:
    return signed_in(make_staff("ada", role=Role.ADMIN))


def shown_ids(response) -> list[str]:
    """Request numbers in the queue table, in the order shown."""
    return re.findall(r'<a href="/staff/requests/([^/"]+)/">', response.content.decode())


def table_rows(response) -> dict[str, str]:
    """Each row of the queue table by its request number."""
    tbody = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in tbody.split("</tr>"):
        found = re.search(r'href="/staff/requests/([^/"]+)/"', row)
        if found:
            rows[found.group(1)] = row
    return rows


def notices(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Roles and scope


def test_the_catalogue_puts_the_test_services_in_the_departments_we_scope_by(catalogue):
    assert catalogue["Pothole in Street Complaint"].department == TRANSPORTATION
    assert catalogue["Sidewalk Inspection Request"].department == TRANSPORTATION
    assert catalogue["Water On Street Complaint"].department == WATER


def test_anonymous_visitors_are_sent_to_sign_in(client, catalogue):
    request = pothole(catalogue)

    for response in (
        client.get(QUEUE),
        client.get(f"{QUEUE}{request.public_id}/"),
        client.post(f"{QUEUE}{request.public_id}/status/", {"status-detailed_status": "completed"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
    request.refresh_from_db()
    assert request.status == "open"


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.COMMUNICATIONS, Role.MODERATOR])
def test_roles_without_the_queue_capability_get_403_and_change_nothing(catalogue, role):
    request = pothole(catalogue)
    other = pothole(catalogue)
    client = signed_in(make_staff("someone", role=role))
    path = f"{QUEUE}{request.public_id}/"

    assert client.get(QUEUE).status_code == 403
    assert client.get(path).status_code == 403
    assert client.post(QUEUE, {"requests": [request.public_id]}).status_code == 403
    assert client.post(f"{path}status/", {"status-detailed_status": "completed"}).status_code == 403
    assert client.post(f"{path}duplicate/", {"duplicate-parent": other.public_id}).status_code == 403
    assert client.post(f"{path}assign/", {"assign-assignee": ""}).status_code == 403
    request.refresh_from_db()
    assert (request.status, request.changes.count()) == ("open", 1)


def test_a_department_sees_only_its_own_requests_even_when_it_asks_for_another(roads_client, catalogue):
    road = pothole(catalogue)
    water_on_street(catalogue)

    response = roads_client.get(QUEUE, {"department": WATER})

    assert response.status_code == 200
    assert shown_ids(response) == [road.public_id]
    assert 'name="department"' not in response.content.decode()


def test_a_department_gets_404_for_a_request_outside_its_scope_on_every_page(roads_client, catalogue):
    water = water_on_street(catalogue, email="w@example.org")
    road = pothole(catalogue)
    path = f"{QUEUE}{water.public_id}/"

    assert roads_client.get(path).status_code == 404
    assert roads_client.post(f"{path}status/", {"status-detailed_status": "completed"}).status_code == 404
    assert roads_client.post(f"{path}duplicate/", {"duplicate-parent": road.public_id}).status_code == 404
    assert roads_client.post(f"{path}assign/", {"assign-assignee": ""}).status_code == 404
    water.refresh_from_db()
    assert (water.status, water.changes.count(), water.parent_id) == ("open", 1, None)
    assert Delivery.objects.count() == 0


def test_an_admin_sees_every_department_and_may_pick_one(admin_client, catalogue):
    road = pothole(catalogue)
    water = water_on_street(catalogue)

    everything = admin_client.get(QUEUE)
    only_water = admin_client.get(QUEUE, {"department": WATER})

    assert set(shown_ids(everything)) == {road.public_id, water.public_id}
    assert f'<option value="{WATER}">' in everything.content.decode()
    assert shown_ids(only_water) == [water.public_id]


def test_department_staff_with_no_department_set_see_every_department(catalogue):
    road = pothole(catalogue)
    water = water_on_street(catalogue)
    client = signed_in(make_staff("citywide", department=""))

    assert set(shown_ids(client.get(QUEUE))) == {road.public_id, water.public_id}
    assert client.get(f"{QUEUE}{water.public_id}/").status_code == 200


def test_the_console_home_links_to_the_queue_only_for_queue_roles(roads_client, catalogue):
    comms = signed_in(make_staff("carmen", role=Role.COMMUNICATIONS))

    assert 'href="/staff/requests/"' in roads_client.get("/staff/").content.decode()
    assert 'href="/staff/requests/"' not in comms.get("/staff/").content.decode()
    assert "arrive with the service requests module" not in roads_client.get("/staff/").content.decode()


# The queue: columns, filters, sorting, SLA breaches, queries


def test_the_queue_shows_open_requests_by_default_with_their_columns_but_no_private_details(
    roads_client, roads, catalogue
):
    open_one = pothole(catalogue, email="private.person@example.org", first_name="Pat", phone="312-555-0199")
    closed = pothole(catalogue)
    service_request_status_change(request=closed, detailed_status="completed")
    service_request_assign(request=open_one, assignee=roads)

    response = roads_client.get(QUEUE)

    html = response.content.decode()
    assert shown_ids(response) == [open_one.public_id]
    assert "Pothole in Street Complaint" in html
    assert "Lower West Side" in html
    assert "Submitted" in html
    assert "Rosa Vega" in html
    assert f'<time datetime="{timezone.localtime(open_one.expected_at).isoformat()}"' in html
    assert "private.person" not in html and "Pat" not in html and "555-0199" not in html
    assert shown_ids(roads_client.get(QUEUE, {"status": "closed"})) == [closed.public_id]
    assert set(shown_ids(roads_client.get(QUEUE, {"status": "all"}))) == {
        open_one.public_id,
        closed.public_id,
    }
    assert shown_ids(roads_client.get(QUEUE, {"status": "completed"})) == [closed.public_id]


def test_the_queue_query_never_reads_requester_details(
    roads_client, catalogue, django_assert_max_num_queries
):
    pothole(catalogue, email="private.person@example.org")

    with django_assert_max_num_queries(20) as queries:
        roads_client.get(QUEUE)

    row_query = next(query["sql"] for query in queries.captured_queries if '"public_id"' in query["sql"])
    for column in ("email", "phone", "first_name", "last_name", "boundary"):
        assert f'"servicerequests_servicerequest"."{column}"' not in row_query
    assert '"places_communityarea"."boundary"' not in row_query


def test_filters_by_service_area_and_assignee(roads_client, roads, catalogue):
    in_pilsen = pothole(catalogue)
    in_the_loop = pothole(catalogue, where=LOOP)
    walk = sidewalk(catalogue)
    colleague = make_staff("tomas", department=TRANSPORTATION)
    service_request_assign(request=in_pilsen, assignee=roads)
    service_request_assign(request=walk, assignee=colleague)
    pothole_code = catalogue["Pothole in Street Complaint"].code

    assert set(shown_ids(roads_client.get(QUEUE, {"service": pothole_code}))) == {
        in_pilsen.public_id,
        in_the_loop.public_id,
    }
    assert set(shown_ids(roads_client.get(QUEUE, {"area": "lower-west-side"}))) == {
        in_pilsen.public_id,
        walk.public_id,
    }
    assert shown_ids(roads_client.get(QUEUE, {"assignee": "me"})) == [in_pilsen.public_id]
    assert shown_ids(roads_client.get(QUEUE, {"assignee": "unassigned"})) == [in_the_loop.public_id]
    assert shown_ids(roads_client.get(QUEUE, {"service": "no-such-code"})) == []


def test_sorting_by_deadline_requested_and_status(roads_client, catalogue):
    # Potholes have 14 days, sidewalks 14 too: filed earlier means due earlier.
    oldest = pothole(catalogue, days_ago=3)
    middle = pothole(catalogue, days_ago=2)
    newest = pothole(catalogue, days_ago=1)
    service_request_status_change(request=oldest, detailed_status="in_progress")
    service_request_status_change(request=newest, detailed_status="acknowledged")

    def order(sort: str) -> list[str]:
        return shown_ids(roads_client.get(QUEUE, {"sort": sort}))

    assert order("deadline") == [oldest.public_id, middle.public_id, newest.public_id]
    assert order("oldest") == [oldest.public_id, middle.public_id, newest.public_id]
    assert order("newest") == [newest.public_id, middle.public_id, oldest.public_id]
    assert order("status") == [middle.public_id, newest.public_id, oldest.public_id]
    assert order("nonsense") == order("deadline")


def test_sla_breaches_are_counted_marked_with_text_and_can_be_shown_alone(roads_client, catalogue):
    late = pothole(catalogue, days_ago=20)
    later = pothole(catalogue, days_ago=15)
    on_time = pothole(catalogue, days_ago=1)
    late_but_done = pothole(catalogue, days_ago=30)
    service_request_status_change(request=late_but_done, detailed_status="completed")
    water_on_street(catalogue)  # another department's requests never count

    response = roads_client.get(QUEUE)
    html = response.content.decode()

    assert "2 open requests are past their SLA deadline." in html
    rows = table_rows(response)
    assert "Overdue" in rows[late.public_id] and "Overdue" in rows[later.public_id]
    assert "Overdue" not in rows[on_time.public_id]
    assert html.count('<tr class="overdue">') == 2
    assert set(shown_ids(roads_client.get(QUEUE, {"overdue": "1"}))) == {late.public_id, later.public_id}
    closed_ones = roads_client.get(QUEUE, {"status": "closed"})
    assert 'class="overdue"' not in closed_ones.content.decode()


def test_the_queue_costs_the_same_queries_for_2_rows_or_40(
    admin_client, catalogue, django_assert_num_queries
):
    for _ in range(2):
        pothole(catalogue, days_ago=20)
    # session, user, page count, page rows, overdue count, departments, services, areas
    expected_queries = 8
    with django_assert_num_queries(expected_queries):
        assert len(shown_ids(admin_client.get(QUEUE))) == 2

    assignees = [make_staff(f"crew{number}", department=TRANSPORTATION) for number in range(3)]
    for number in range(38):
        request = pothole(catalogue, days_ago=number % 20, where=LOOP if number % 2 else PILSEN)
        service_request_assign(request=request, assignee=assignees[number % 3])
    water_on_street(catalogue)

    with django_assert_num_queries(expected_queries):
        assert len(shown_ids(admin_client.get(QUEUE))) == 41


def test_the_queue_is_paginated_by_50_and_keeps_the_filters(roads_client, catalogue):
    for _ in range(52):
        pothole(catalogue)
    pothole_code = catalogue["Pothole in Street Complaint"].code

    first = roads_client.get(QUEUE, {"service": pothole_code, "sort": "newest"})
    second = roads_client.get(QUEUE, {"service": pothole_code, "sort": "newest", "page": "2"})

    assert len(shown_ids(first)) == 50
    assert len(shown_ids(second)) == 2
    assert f"?service={pothole_code}&amp;sort=newest&amp;page=2" in first.content.decode()
    assert not set(shown_ids(first)) & set(shown_ids(second))


# Bulk close


def test_bulk_close_closes_only_what_the_user_may_touch_and_tells_followers(roads_client, roads, catalogue):
    first = pothole(catalogue, email="first@example.org")
    second = pothole(catalogue)
    untouched = pothole(catalogue)
    outside = water_on_street(catalogue, email="water@example.org")

    response = roads_client.post(
        f"{QUEUE}?sort=newest",
        {
            "requests": [first.public_id, second.public_id, outside.public_id],
            "detailed_status": "completed",
            "note": "Crew filled both",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?sort=newest"
    assert notices(response) == ["2 requests closed."]
    for request in (first, second):
        request.refresh_from_db()
        assert (request.status, request.detailed_status, request.status_notes) == (
            "closed",
            "completed",
            "Crew filled both",
        )
        latest = request.changes.last()
        assert latest is not None and (latest.actor, latest.note) == (roads, "Crew filled both")
    for request in (untouched, outside):
        request.refresh_from_db()
        assert request.status == "open"
    assert list(Delivery.objects.values_list("contact_point__value", flat=True)) == ["first@example.org"]


def test_bulk_close_as_cannot_complete(roads_client, catalogue):
    request = pothole(catalogue)

    response = roads_client.post(
        QUEUE, {"requests": [request.public_id], "detailed_status": "cannot_complete"}
    )

    request.refresh_from_db()
    assert request.detailed_status == "cannot_complete"
    assert notices(response) == ["1 request closed."]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"detailed_status": "completed"}, "Tick at least one request to close."),
        ({"detailed_status": "duplicate"}, "Select a valid choice."),
        ({"detailed_status": "completed", "note": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bulk_close_errors_are_shown_in_the_form_and_change_nothing(roads_client, catalogue, data, error):
    request = pothole(catalogue)
    data = {"requests": [request.public_id], **data} if "Tick" not in error else data

    response = roads_client.post(QUEUE, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html and error in html
    request.refresh_from_db()
    assert (request.status, request.changes.count()) == ("open", 1)
    assert shown_ids(response) == [request.public_id]


def test_bulk_close_of_requests_already_closed_says_nothing_was_closed(roads_client, catalogue):
    request = pothole(catalogue)
    service_request_status_change(request=request, detailed_status="completed")

    response = roads_client.post(
        QUEUE, {"requests": [request.public_id], "detailed_status": "cannot_complete"}
    )

    request.refresh_from_db()
    assert request.detailed_status == "completed"
    assert notices(response) == ["No request was closed: the ones you ticked were not open."]


# The staff page of one request


def test_the_staff_page_shows_contact_details_answers_photo_and_the_whole_timeline(
    roads_client, roads, catalogue
):
    photo = image_sanitise(io.BytesIO(samples.plain("PNG")))
    request = service_request_create(
        data=RequestInput(
            service_code=catalogue["Pothole in Street Complaint"].code,
            **PILSEN,
            attributes={"WHEREIST": ["CROSSWALK"], "SIZE": ["18"]},
            description="Deep hole by the school",
            email="pat@example.org",
            phone="312-555-0199",
            first_name="Pat",
            last_name="Jones",
        ),
        photo=photo,
    )
    service_request_assign(request=request, assignee=roads, actor=roads)
    service_request_status_change(
        request=request, detailed_status="acknowledged", note="On the list", actor=roads
    )

    response = roads_client.get(f"{QUEUE}{request.public_id}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Pat Jones" in html and "pat@example.org" in html and "+13125550199" in html
    assert "In a crosswalk" in html and "About how wide is it, in inches?" in html
    assert "Deep hole by the school" in html
    assert f'src="/media/{request.photo.name}"' in html
    assert "Assigned to rosa" in html and "Staff only" in html
    assert html.count("Rosa Vega") >= 3  # the assignee and the actor of both changes
    assert "On the list" in html and "Request opened" in html
    assert "<dt>Addresses following it</dt><dd>2</dd>" in html  # the requester's email and phone


def test_an_overdue_request_says_so_on_its_page(roads_client, catalogue):
    request = pothole(catalogue, days_ago=20)

    assert "Overdue" in roads_client.get(f"{QUEUE}{request.public_id}/").content.decode()


def test_what_residents_typed_is_escaped(roads_client, catalogue):
    request = pothole(
        catalogue,
        description="<script>alert('x')</script>",
        first_name="<b>Bold</b>",
    )
    # Stored before media_url was checked (issue 23): the page must still never link it.
    ServiceRequest.objects.filter(pk=request.pk).update(media_url="javascript:alert(1)")
    service_request_status_change(
        request=request, detailed_status="acknowledged", note="<img src=x onerror=1>"
    )

    html = roads_client.get(f"{QUEUE}{request.public_id}/").content.decode()

    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html


def test_an_unknown_request_is_404(roads_client, catalogue):
    assert roads_client.get(f"{QUEUE}26-99999999/").status_code == 404


# Status change


def test_changing_status_records_the_note_and_actor_and_tells_followers(roads_client, roads, catalogue):
    request = pothole(catalogue, email="pat@example.org")
    path = f"{QUEUE}{request.public_id}/"

    response = roads_client.post(
        f"{path}status/", {"status-detailed_status": "in_progress", "status-note": "Crew on the way"}
    )

    assert response.status_code == 302 and response["Location"] == path
    assert notices(response) == ["Status changed to In progress."]
    request.refresh_from_db()
    assert (request.status, request.detailed_status, request.status_notes) == (
        "open",
        "in_progress",
        "Crew on the way",
    )
    change = request.changes.last()
    assert change is not None
    assert (change.detailed_status, change.note, change.actor, change.public) == (
        "in_progress",
        "Crew on the way",
        roads,
        True,
    )
    assert list(Delivery.objects.values_list("contact_point__value", flat=True)) == ["pat@example.org"]


def test_closing_from_the_staff_page_sets_closed_at(roads_client, catalogue):
    request = pothole(catalogue)

    roads_client.post(f"{QUEUE}{request.public_id}/status/", {"status-detailed_status": "completed"})

    request.refresh_from_db()
    assert request.status == "closed" and request.closed_at is not None


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"status-detailed_status": "duplicate"}, "Select a valid choice."),
        ({"status-detailed_status": "nonsense"}, "Select a valid choice."),
        ({"status-detailed_status": "completed", "status-note": "x" * 1001}, "at most 1000 characters"),
        ({}, "This field is required."),
    ],
)
def test_status_errors_are_form_errors_and_change_nothing(roads_client, catalogue, data, error):
    request = pothole(catalogue, email="pat@example.org")

    response = roads_client.post(f"{QUEUE}{request.public_id}/status/", data)

    html = response.content.decode()
    assert response.status_code == 400
    assert error in html and 'href="#id_status-' in html
    request.refresh_from_db()
    assert (request.detailed_status, request.changes.count()) == ("submitted", 1)
    assert Delivery.objects.count() == 0


# Duplicates


def test_marking_a_duplicate_closes_it_merges_its_followers_and_tells_them(roads_client, roads, catalogue):
    original = pothole(catalogue, email="first@example.org")
    duplicate = pothole(catalogue, email="second@example.org", phone="312-555-0199")
    path = f"{QUEUE}{duplicate.public_id}/"

    response = roads_client.post(
        f"{path}duplicate/", {"duplicate-parent": f" {original.public_id} ", "duplicate-note": "Same hole"}
    )

    assert response.status_code == 302 and response["Location"] == path
    assert notices(response) == [
        f"Marked as a duplicate of {original.public_id}. Its followers now follow {original.public_id} too."
    ]
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.detailed_status, duplicate.parent) == (
        "closed",
        "duplicate",
        original,
    )
    change = duplicate.changes.last()
    assert change is not None and (change.note, change.actor) == ("Same hole", roads)
    followers = set(Follower.objects.filter(request=original).values_list("contact_point__value", flat=True))
    assert followers == {"first@example.org", "second@example.org", "+13125550199"}
    told = set(Delivery.objects.values_list("contact_point__value", flat=True))
    assert told == {"second@example.org", "+13125550199"}
    page = roads_client.get(f"{QUEUE}{original.public_id}/").content.decode()
    assert f'href="/staff/requests/{duplicate.public_id}/"' in page


@pytest.mark.parametrize(
    ("parent", "error"),
    [
        ("itself", "A request cannot be a duplicate of itself."),
        ("26-99999999", "There is no request 26-99999999 in your queues."),
        ("outside", "There is no request"),
        ("a duplicate", "is itself a duplicate: use the request it duplicates."),
        ("", "This field is required."),
    ],
)
def test_duplicate_errors_are_shown_in_the_form_and_change_nothing(roads_client, catalogue, parent, error):
    request = pothole(catalogue, email="pat@example.org")
    original = pothole(catalogue)
    already_duplicate = pothole(catalogue)
    service_request_status_change(request=already_duplicate, detailed_status="duplicate", parent=original)
    deliveries_before = Delivery.objects.count()
    public_id = {
        "itself": request.public_id,
        "outside": water_on_street(catalogue).public_id,
        "a duplicate": already_duplicate.public_id,
    }.get(parent, parent)

    response = roads_client.post(f"{QUEUE}{request.public_id}/duplicate/", {"duplicate-parent": public_id})

    html = response.content.decode()
    assert response.status_code == 400
    assert error in html and 'href="#id_duplicate-parent"' in html
    request.refresh_from_db()
    assert (request.status, request.parent_id, request.changes.count()) == ("open", None, 1)
    assert Follower.objects.filter(contact_point__value="pat@example.org").count() == 1
    assert Delivery.objects.count() == deliveries_before


# Assignment


def test_assigning_is_a_staff_only_entry_that_tells_nobody(roads_client, roads, catalogue):
    request = pothole(catalogue, email="pat@example.org")
    colleague = make_staff("tomas", department=TRANSPORTATION, full_name="Tomás Ruiz")
    path = f"{QUEUE}{request.public_id}/"

    response = roads_client.post(f"{path}assign/", {"assign-assignee": colleague.pk})

    assert response.status_code == 302 and response["Location"] == path
    assert notices(response) == ["Assigned to Tomás Ruiz."]
    request.refresh_from_db()
    assert request.assigned_to == colleague
    change = request.changes.last()
    assert change is not None and (change.public, change.actor, change.note) == (
        False,
        roads,
        "Assigned to tomas",
    )
    assert Delivery.objects.count() == 0
    assert "Assigned to tomas" not in Client().get(request.get_absolute_url()).content.decode()

    roads_client.post(f"{path}assign/", {"assign-assignee": ""})
    request.refresh_from_db()
    assert request.assigned_to is None


def test_only_staff_who_can_see_the_request_are_offered_or_accepted(roads_client, catalogue):
    request = pothole(catalogue)
    colleague = make_staff("tomas", department=TRANSPORTATION, full_name="Tomás Ruiz")
    citywide = make_staff("cy", department="", full_name="Cy Wide")
    admin = make_staff("ada", role=Role.ADMIN, department=WATER, full_name="Ada Admin")
    water = make_staff("walt", department=WATER, full_name="Walt Water")
    comms = make_staff("carmen", role=Role.COMMUNICATIONS, full_name="Carmen Comms")
    gone = make_staff("gone", department=TRANSPORTATION, full_name="Gone Away")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    path = f"{QUEUE}{request.public_id}/"

    html = roads_client.get(path).content.decode()
    select = re.search(r'<select name="assign-assignee".*?</select>', html, re.S)
    assert select is not None
    form = select.group(0)

    for offered in (colleague, citywide, admin):
        assert f'value="{offered.pk}"' in form
    for refused in (water, comms, gone):
        assert f'value="{refused.pk}"' not in form
        response = roads_client.post(f"{path}assign/", {"assign-assignee": refused.pk})
        assert response.status_code == 400
        assert 'href="#id_assign-assignee"' in response.content.decode()
    request.refresh_from_db()
    assert request.assigned_to is None and request.changes.count() == 1


# Security and language


def test_every_staff_form_needs_a_csrf_token(roads, catalogue):
    request = pothole(catalogue)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(roads)
    path = f"{QUEUE}{request.public_id}/"

    assert (
        strict.post(QUEUE, {"requests": [request.public_id], "detailed_status": "completed"}).status_code
        == 403
    )
    assert strict.post(f"{path}status/", {"status-detailed_status": "completed"}).status_code == 403
    assert strict.post(f"{path}duplicate/", {"duplicate-parent": request.public_id}).status_code == 403
    assert strict.post(f"{path}assign/", {"assign-assignee": roads.pk}).status_code == 403
    request.refresh_from_db()
    assert request.changes.count() == 1
    assert strict.get(QUEUE).content.decode().count("csrfmiddlewaretoken") >= 1
    assert strict.get(path).content.decode().count("csrfmiddlewaretoken") >= 3


def test_the_queue_and_the_staff_page_render_in_spanish(roads_client, catalogue):
    request = pothole(catalogue)
    roads_client.cookies["django_language"] = "es"

    queue = roads_client.get(QUEUE).content.decode()
    page = roads_client.get(f"{QUEUE}{request.public_id}/").content.decode()

    assert '<html lang="es" dir="ltr">' in queue and "Bache en la calle" in queue
    assert '<html lang="es" dir="ltr">' in page and "¿Dónde está el bache?" in page and "En un carril" in page
    assert StatusChange.objects.count() == 1
