"""An unexpected error (the database gone, say) answers each interface in its own dialect."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_gone(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("civicloop.servicerequests.selectors.service_list", fail)
    monkeypatch.setattr("civicloop.announcements.selectors.announcement_list_public", fail, raising=False)


def test_an_open311_client_gets_the_spec_error_list_in_json(database_gone):
    response = Client(raise_request_exception=False).get("/open311/v2/services.json")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    (error,) = json.loads(response.content)
    assert error["code"] == 500 and "problem" in error["description"]


def test_an_open311_client_gets_the_spec_error_list_in_xml(database_gone):
    response = Client(raise_request_exception=False).get("/open311/v2/services.xml")

    assert response.status_code == 500
    root = ET.fromstring(response.content)
    code = root.find("error/code")
    assert root.tag == "errors" and code is not None and code.text == "500"


def test_a_person_still_gets_the_html_page(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("civicloop.servicerequests.views.render", fail, raising=False)
    response = Client(raise_request_exception=False).get("/requests/new/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
