from datetime import timedelta

import pytest
from django.core import signing

from civicloop.core.errors import DomainError
from civicloop.core.links import link_read, link_token


class Refused(DomainError):
    pass


HOUR = timedelta(hours=1)


def test_a_link_carries_its_numbers_back():
    assert link_read(link_token({"f": 7}, salt="a"), salt="a", max_age=HOUR, invalid=Refused) == {"f": 7}


@pytest.mark.parametrize(
    "token",
    [
        link_token({"f": 7}, salt="another purpose"),
        link_token({"f": 7}, salt="a") + "x",
        signing.dumps({"f": "seven"}, salt="a"),
        signing.dumps([7], salt="a"),
        "not-a-token",
        "é:é:é",
        "",
    ],
    # Named, not shown: the signed tokens carry the time, and parallel workers must collect the same ids.
    ids=["other-salt", "altered", "not-a-link", "not-a-dict", "not-a-token", "non-ascii", "empty"],
)
def test_a_forged_or_malformed_link_is_refused_with_the_callers_error(token):
    with pytest.raises(Refused, match="not valid"):
        link_read(token, salt="a", max_age=HOUR, invalid=Refused)


def test_an_old_link_has_expired():
    token = link_token({"f": 7}, salt="a")
    with pytest.raises(Refused, match="expired"):
        link_read(token, salt="a", max_age=timedelta(seconds=-1), invalid=Refused)
