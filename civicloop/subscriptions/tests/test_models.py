"""Subscription models' rules the database keeps (models.py)."""

import pytest
from django.db import IntegrityError, transaction

from civicloop.subscriptions.tests.factories import ContactPointFactory

pytestmark = pytest.mark.django_db


def test_contact_points_are_unique_per_kind_and_value():
    ContactPointFactory.create(value="resident@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPointFactory.create(value="resident@example.org")
