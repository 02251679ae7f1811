"""Fixtures of the incoming tests: real edXML packages written by vanthu's own dispatch code (a dispatch driven
through the real flow up to sent, its package for the agency line), received here as by the addressee."""

from __future__ import annotations

import base64
import re

import pytest
from django.urls import reverse

from tests.workflows.dispatch.conftest import (  # noqa: F401  (the dispatch fixtures)
    drafting_units,
    driver,
    issued,
    keys,
    people,
)
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


UNITS = {SENDER: ("vanthu-sender", "sender-secret"), RECEIVER: ("vanthu-receiver", "receiver-secret")}


@pytest.fixture
def platform():
    """The exchange platform (a real HTTP server on 127.0.0.1), knowing both agencies."""
    from .platform_server import PlatformServer

    server = PlatformServer(UNITS)
    yield server
    server.stop()


@pytest.fixture
def http_units(settings, platform):
    """The settings of an installation using the platform; every unit's credentials in VANTHU_EDXML_HTTP_UNITS."""
    settings.VANTHU_EDXML_TRANSPORT = "http"
    settings.VANTHU_EDXML_HTTP_URL = platform.url
    settings.VANTHU_EDXML_HTTP_UNITS = {k: {"system_id": s, "secret": p} for k, (s, p) in UNITS.items()}
    return platform


@pytest.fixture
def exchange_folder(settings, tmp_path):
    settings.VANTHU_EDXML_TRANSPORT = "folder"
    settings.VANTHU_EDXML_FOLDER = str(tmp_path / "exchange")
    return tmp_path / "exchange"


def attachment_content(data: bytes) -> bytes:
    """The first attachment of a vanthu package, decoded."""
    return base64.b64decode(re.search(rb"<(?:\w+:)?AttachmentText>([^<]+)<", data).group(1))


def with_content(data: bytes, content: bytes) -> bytes:
    """The same package with its first attachment's content replaced."""
    return re.sub(
        rb"(<(?:\w+:)?AttachmentText>)[^<]+(<)",
        lambda m: m.group(1) + base64.b64encode(content) + m.group(2),
        data,
        count=1,
    )


def tampered(data: bytes) -> bytes:
    """The package with one byte of its signed PDF changed (inside the signed range)."""
    pdf = attachment_content(data)
    at = pdf.index(b"\n%", 5) + 2
    return with_content(data, pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :])
