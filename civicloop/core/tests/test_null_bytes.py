"""core.null_bytes: a NUL character anywhere a view would read it is a 400, before the database."""

from urllib.parse import urlencode

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/announcements/?q=a%00b", None),
        ("get", "/requests/26-0000%0001/", None),
        ("post", "/subscribe/", {"email": "a\x00@example.org"}),
    ],
    ids=["query", "path", "form"],
)
def test_a_nul_character_is_refused_before_any_view(client, method, path, data):
    if data:  # as a browser posts a form without a file
        response = client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")
    else:
        response = getattr(client, method)(path)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_open311_refuses_it_in_its_own_error_format(client):
    response = client.get("/open311/v2/requests.json", {"service_code": "POT\x00"})

    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


@pytest.mark.django_db
def test_a_request_without_one_goes_through(client):
    assert client.get("/announcements/?q=ab").status_code == 200
