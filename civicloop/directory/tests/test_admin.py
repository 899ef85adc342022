"""Staff keep entries right in /staff/admin/: owner and review date shown, overdue reviews flagged."""

from datetime import date, timedelta

import pytest

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.directory.models import DirectoryEntry
from civicloop.directory.tests.factories import make_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    admin = staff_user_ensure(
        username="ada",
        email="ada@example.org",
        role=Role.ADMIN,
        password="a-long-test-password-1",
        full_name="Ada",
    )
    client.force_login(admin)
    return client


def test_the_list_shows_owner_and_review_date_and_flags_an_overdue_review(admin_client):
    make_entry("overdue", review_by=date.today() - timedelta(days=1))
    make_entry("current", review_by=date.today() + timedelta(days=30))

    listed = admin_client.get("/staff/admin/directory/directoryentry/").content.decode()
    overdue = admin_client.get("/staff/admin/directory/directoryentry/?review=overdue").content.decode()

    assert "Review overdue" in listed and "Owner" in listed and "Review by" in listed
    assert listed.count('alt="True"') == 1
    assert ">overdue</a>" in overdue and ">current</a>" not in overdue


def form(**texts: dict[str, str]) -> dict[str, str]:
    data = {
        "slug": "cooling-centers",
        "kind": "program",
        "department": "Family and Support Services",
        "languages_offered": '["en", "es"]',
        "texts-TOTAL_FORMS": str(len(texts)),
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
    }
    for number, (language, fields) in enumerate(texts.items()):
        data.update({f"texts-{number}-language": language, f"texts-{number}-status": "reviewed"})
        data.update({f"texts-{number}-{name}": value for name, value in fields.items()})
    return data


def test_a_new_entry_is_searchable_at_once_and_cannot_be_saved_without_english(admin_client):
    spanish = {"name": "Centros de enfriamiento", "summary": "Lugares frescos."}

    refused = admin_client.post("/staff/admin/directory/directoryentry/add/", form(es=spanish))
    saved = admin_client.post(
        "/staff/admin/directory/directoryentry/add/",
        form(en={"name": "Cooling centers", "summary": "Cool places."}, es=spanish),
    )

    assert refused.status_code == 200 and "Keep an English version" in refused.content.decode()
    assert saved.status_code == 302
    entry = DirectoryEntry.objects.get(slug="cooling-centers")
    assert entry.texts.get(language="es").search_text == " centros de enfriamiento lugares frescos"
    assert "Cooling centers" in admin_client.get("/services/?q=cooling").content.decode()
