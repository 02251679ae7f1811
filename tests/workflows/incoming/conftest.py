"""Fixtures of the incoming tests: real edXML packages written by vanthu's own dispatch code (a dispatch driven
through the real flow up to sent, its package for the agency line), received here as by the addressee."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.workflows.dispatch.conftest import driver, issued, keys, people  # noqa: F401  (the dispatch fixtures)
from workflows.dispatch.models import DispatchRecipient

SENDER = "000.00.00.H41"  # VANTHU_EDXML_ORGAN_ID of the test settings: the dispatch's From
RECEIVER = "000.00.20.H41"  # the agency line of the `issued` dispatch


@pytest.fixture
def edoc_package(issued, client, people) -> bytes:  # noqa: F811
    """vanthu's edXML package of a sent dispatch, for its agency line (OrganId RECEIVER)."""
    line = issued.recipients.get(kind=DispatchRecipient.Kind.AGENCY)
    client.force_login(people.clerk)
    response = client.get(reverse("dispatch:edxml", args=[issued.pk, line.pk]))
    assert response.status_code == 200
    client.logout()
    return response.content


@pytest.fixture
def received(edoc_package, settings) -> bytes:
    """The same package, with this installation now playing its addressee (VANTHU_EDXML_ORGAN_ID = RECEIVER)."""
    assert settings.VANTHU_EDXML_ORGAN_ID == SENDER
    settings.VANTHU_EDXML_ORGAN_ID = RECEIVER
    return edoc_package
