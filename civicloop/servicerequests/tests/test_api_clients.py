"""Open311 API clients (services/api_clients.py): keys stored hashed and revoked, and issued by the
open311 command."""

import pytest
from django.core.management import call_command

from civicloop.servicerequests.models import ApiClient
from civicloop.servicerequests.services import (
    ApiKeyInvalid,
    api_client_for_key,
    api_client_issue,
    api_client_revoke,
)

pytestmark = pytest.mark.django_db


def test_api_keys_are_stored_hashed_and_can_be_revoked():
    client, raw_key = api_client_issue(name="FixMyStreet")

    assert raw_key not in {client.key_hash, client.key_prefix}
    assert api_client_for_key(raw_key) == client
    api_client_revoke(client=client)
    with pytest.raises(ApiKeyInvalid):
        api_client_for_key(raw_key)
    with pytest.raises(ApiKeyInvalid):
        api_client_for_key("")


def test_the_command_prints_the_new_key_as_its_last_line(capsys):
    call_command("open311", "issue-key", "Chicago Works For You")

    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert api_client_for_key(last).name == "Chicago Works For You"
    assert ApiClient.objects.count() == 1
