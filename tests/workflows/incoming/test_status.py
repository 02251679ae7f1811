"""edXML status packages: built by vanthu for an incoming document, read back by the receiver's reader and by
`parse_status`, shaped like vanthu's own edoc packages, and recognised by the sender as about its document."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from lxml import etree

from tests.factories import IncomingDocumentFactory, UserFactory
from workflows.incoming.models import Channel
from workflows.incoming.packages import (
    NS,
    Organ,
    ResponseFor,
    StaffInfo,
    UnreadablePackage,
    assess_package,
    read_package,
)
from workflows.incoming.status import StatusCode, build_status, parse_status, staff_info, status_package_for

from .conftest import RECEIVER, SENDER

pytestmark = pytest.mark.django_db

ABOUT = ResponseFor(
    organ_id="000.00.00.G22",
    code="28/CT-BTTTT",
    promulgation_date=dt.date(2025, 11, 20),
    document_id="000.00.00.G22,2025/11/20,28/CT-BTTTT",
)
MINISTRY = Organ(organ_id="000.00.00.G22", name="Bộ Thông tin và Truyền thông")
STATUS_ONLY = {"ResponseFor", "StaffInfo", "StatusCode", "Description", "Timestamp"}


def _paths(data: bytes) -> set[str]:
    """Every element's path from the root, by local name (edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From)."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    paths = set()
    for element in root.iter():
        names = [etree.QName(e).localname for e in (*reversed(list(element.iterancestors())), element)]
        paths.add("/".join(names))
    return paths


@pytest.mark.parametrize("code", list(StatusCode))
def test_every_status_code_is_written_and_read_back(code):
    when = timezone.make_aware(dt.datetime(2026, 12, 2, 9, 15, 30))
    data = build_status(
        status=code,
        response_for=ABOUT,
        to=MINISTRY,
        description="Đã vào sổ văn bản đến số 01",
        staff=StaffInfo(department="VP", staff="Nguyễn Thị Văn Thư", mobile="0912345678", email="vt@example.vn"),
        timestamp=when,
    )
    status = parse_status(data)
    assert status.status is code and status.status.value == code.value
    assert status.response_for == ABOUT
    assert status.description == "Đã vào sổ văn bản đến số 01"
    assert status.timestamp == when
    assert status.staff.staff == "Nguyễn Thị Văn Thư" and status.staff.department == "VP"
    assert [r.organ_id for r in status.recipients] == ["000.00.00.G22"]
    assert status.sender.organ_id == SENDER
    # the receiver's own reader takes it as a status package for the ministry, with no document to check
    package = read_package(data)
    assert package.is_status and package.status_code == code.value and not package.attachments
    assessment = assess_package(package, organ_id="000.00.00.G22", validate=lambda *a, **k: pytest.fail("no PDF"))
    assert assessment.accepted


def test_a_status_package_has_the_envelope_vanthu_writes_for_a_document(edoc_package):
    edoc, status = _paths(edoc_package), _paths(build_status(status="03", response_for=ABOUT, to=MINISTRY))
    envelope = {p for p in status if p.count("/") <= 3}
    assert envelope == {
        "edXML",
        "edXML/edXMLEnvelope",
        "edXML/edXMLEnvelope/edXMLHeader",
        "edXML/edXMLEnvelope/edXMLBody",
        "edXML/edXMLEnvelope/edXMLHeader/MessageHeader",
    }
    assert envelope <= edoc
    header = "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/"
    shared = {p for p in status if p.startswith(header) and p[len(header) :].split("/")[0] not in STATUS_ONLY}
    assert shared and shared <= edoc, shared - edoc  # From and To exactly as vanthu writes them
    assert not any("Attachment" in p for p in status)
    assert etree.QName(etree.fromstring(edoc_package)).namespace == NS


def test_the_status_of_a_received_document_goes_to_its_sender_about_that_document(received, settings):
    package = read_package(received)
    document = IncomingDocumentFactory(
        channel=Channel.EDXML,
        issuer_organ_id=package.sender.organ_id,
        issuer_name=package.sender.name,
        code=package.number,
        issued_date=package.promulgation_date,
        sender_document_id=package.document_id,
    )
    clerk = UserFactory(first_name="Thư", last_name="Nguyễn Thị", email="vanthu@example.vn")
    data = status_package_for(document=document, status="03", description="Số đến 01", staff=staff_info(clerk))
    status = parse_status(data)
    assert status.sender.organ_id == RECEIVER
    assert status.response_for.document_id == package.document_id
    assert status.response_for.code == package.number
    assert status.response_for.promulgation_date == package.promulgation_date
    assert status.staff.email == "vanthu@example.vn"

    # back at the sender: addressed to it, and about the document it sent, not about another one
    settings.VANTHU_EDXML_ORGAN_ID = SENDER
    assert assess_package(read_package(data)).addressed
    assert status.is_about(organ_id=SENDER, document_id=package.document_id)
    assert not status.is_about(organ_id=SENDER, document_id=package.document_id.replace(package.number, "99/X"))
    assert not status.is_about(organ_id="000.00.99.H99", document_id=package.document_id)


def test_a_document_that_did_not_come_from_the_axis_has_no_status_to_send():
    with pytest.raises(ValueError, match="not from the axis"):
        status_package_for(document=IncomingDocumentFactory(), status="03")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.replace(b">03<", b">99<"), "mã trạng thái không hợp lệ"),
        (lambda d: d.replace(ABOUT.document_id.encode(), b""), "ResponseFor"),
        (lambda d: d.replace(b"<edXML:StatusCode>03</edXML:StatusCode>", b""), "không có tệp"),
        (
            lambda d: d.replace(
                b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1
            ).replace(b"</edXML:Description>", b"&b;</edXML:Description>"),
            "thực thể XML",
        ),
    ],
    ids=["unknown-code", "no-document-id", "no-status-code", "entity-bomb"],
)
def test_what_is_not_a_status_package_is_unreadable(change, words):
    data = build_status(status="03", response_for=ABOUT, to=MINISTRY)
    changed = change(data)
    assert changed != data
    with pytest.raises(UnreadablePackage) as refused:
        parse_status(changed)
    assert words in refused.value.message
