"""A sender recalls a document (revoke package, or status 13): accepted at once while nobody handles it yet (15,
withdrawn from the lists and the register, its process cancelled, the recall logged); otherwise the clerk decides
on the document page (15 or 16); a recall naming nothing of ours, or an update, is answered 16."""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import etree
from viewflow.workflow.status import PROCESS

from core.models import AuditEntry
from core.roles import Role
from tests.factories import IncomingDocumentFactory
from workflows.incoming.models import Channel, IncomingProcess, RecallRequest, StatusMessage
from workflows.incoming.models import Status as DocStatus
from workflows.incoming.packages import NS, Organ, ResponseFor, read_package
from workflows.incoming.selectors import register_entries, search
from workflows.incoming.services.receiving import Outcome, receive_package
from workflows.incoming.status import StatusCode, build_status, parse_status

from .conftest import RECEIVER, SENDER

pytestmark = pytest.mark.django_db


def _business(package: bytes, *, doc_type: str = "1", reason: str = "Văn bản ban hành nhầm, đề nghị thu hồi") -> bytes:
    """The sender's package turned into a recall (or update): Bussiness block, no attachment."""
    root = etree.fromstring(package)
    header = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader")
    business = etree.SubElement(etree.SubElement(header, f"{{{NS}}}TraceHeaderList"), f"{{{NS}}}Bussiness")
    etree.SubElement(business, f"{{{NS}}}BussinessDocType").text = doc_type
    etree.SubElement(business, f"{{{NS}}}BussinessDocReason").text = reason
    root.remove(root.find(f"{{{NS}}}AttachmentEncoded"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _answers(document) -> list[str]:
    return list(
        StatusMessage.objects.filter(about_document_id=document.sender_document_id).values_list("code", flat=True)
    )


@pytest.fixture
def registered(received, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive_package(data=received, user=people.clerk)
    assert outcome.outcome is Outcome.ACCEPTED
    return outcome.document


def _handled(**overrides):
    """An electronic document a handler is already working on."""
    values = {
        "channel": Channel.EDXML,
        "issuer_organ_id": SENDER,
        "issuer_name": "Sở Thông tin và Truyền thông",
        "code": "07/STTTT-TTr",
        "sender_document_id": f"{SENDER},2026/11/30,07/STTTT-TTr",
        "status": DocStatus.ASSIGNED,
    }
    return IncomingDocumentFactory(**(values | overrides))


def test_a_recall_of_a_document_nobody_handles_yet_is_accepted_and_withdraws_it(
    registered, received, people, django_capture_on_commit_callbacks
):
    assert registered in search() and registered in register_entries()
    process = IncomingProcess.objects.get(document=registered)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive_package(data=_business(received), user=people.clerk)
    assert outcome.outcome is Outcome.RECALL and outcome.recall.state == RecallRequest.State.ACCEPTED
    registered.refresh_from_db()
    assert registered.status == DocStatus.RECALLED
    assert registered not in search() and registered not in register_entries()
    process.refresh_from_db()
    assert process.status == PROCESS.CANCELED
    assert _answers(registered) == ["03", "15"]
    assert outcome.recall.reason == "Văn bản ban hành nhầm, đề nghị thu hồi"
    entry = AuditEntry.objects.get(code="workflows.incoming.recalled")
    assert entry.data["code"] == registered.code and entry.data["number"] == registered.number

    # delivered again: answered 15 again, nothing else changes
    with django_capture_on_commit_callbacks(execute=True):
        again = receive_package(data=_business(received), user=people.clerk)
    assert again.recall.state == RecallRequest.State.ACCEPTED
    assert AuditEntry.objects.filter(code="workflows.incoming.recalled").count() == 1


def test_status_13_from_the_sender_is_a_recall_too(registered, people, django_capture_on_commit_callbacks):
    data = build_status(
        status="13",
        response_for=ResponseFor(organ_id=SENDER, code=registered.code, document_id=registered.sender_document_id),
        to=Organ(organ_id=RECEIVER),
        sender=Organ(organ_id=SENDER, name=registered.issuer_name),
        description="Đề nghị lấy lại văn bản",
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive_package(data=data, user=people.clerk)
    assert outcome.outcome is Outcome.RECALL and outcome.document == registered
    registered.refresh_from_db()
    assert registered.status == DocStatus.RECALLED


def test_a_recall_of_a_document_being_handled_waits_for_the_clerk_who_refuses_it(
    client, people, received, django_capture_on_commit_callbacks
):
    package = read_package(received)
    document = _handled(sender_document_id=package.document_id, code=package.number)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive_package(data=_business(received), user=None)
    recall = outcome.recall
    assert recall.state == RecallRequest.State.PENDING and _answers(document) == []
    url = reverse("incoming:recall", args=[document.pk, recall.pk])

    client.force_login(people.leader)
    assert client.get(url).status_code == 403
    assert "Quyết định thu hồi" not in client.get(reverse("incoming:detail", args=[document.pk])).content.decode()

    client.force_login(people.clerk)
    page = client.get(reverse("incoming:detail", args=[document.pk])).content.decode()
    assert "Bên gửi đề nghị thu hồi văn bản" in page and url in page
    confirm = client.get(url).content.decode()
    assert "Văn bản ban hành nhầm" in confirm and "Không hoàn tác được" in confirm
    document.refresh_from_db()
    assert document.status == DocStatus.ASSIGNED  # looking at the page changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "refuse", "note": "Đã phân công giải quyết"})
    assert response.status_code == 302
    recall.refresh_from_db()
    document.refresh_from_db()
    assert recall.state == RecallRequest.State.REFUSED and recall.decided_by == people.clerk
    assert document.status == DocStatus.ASSIGNED and document in search()
    (answer,) = StatusMessage.objects.filter(document=document)
    status = parse_status(answer.package.encode())
    assert status.status is StatusCode.RECALL_REFUSED and status.description == "Đã phân công giải quyết"

    # a second submit (another tab, a double click) decides nothing again
    client.post(url, {"decision": "accept"})
    recall.refresh_from_db()
    assert recall.state == RecallRequest.State.REFUSED and StatusMessage.objects.filter(document=document).count() == 1


def test_the_clerk_accepts_a_recall_of_a_document_being_handled(
    client, people, received, django_capture_on_commit_callbacks
):
    package = read_package(received)
    document = _handled(sender_document_id=package.document_id, code=package.number)
    recall = receive_package(data=_business(received), user=None).recall
    client.force_login(people.clerk)
    url = reverse("incoming:recall", args=[document.pk, recall.pk])
    assert client.post(url, {"decision": "maybe"}).status_code == 200  # no valid decision: the form again
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "accept"})
    assert response.status_code == 302 and response["Location"] == reverse("incoming:list")
    document.refresh_from_db()
    assert document.status == DocStatus.RECALLED and document not in register_entries()
    assert _answers(document) == ["15"]
    assert client.get(reverse("incoming:detail", args=[document.pk])).status_code == 404  # withdrawn from the pages
    page = client.get(url).content.decode()  # the recall's record stays
    assert "Đồng ý thu hồi" in page and "<form" not in page


def test_a_recall_naming_nothing_of_ours_is_refused(received, people):
    outcome = receive_package(data=_business(received), user=people.clerk)
    assert outcome.recall.state == RecallRequest.State.REFUSED and outcome.recall.document is None
    (answer,) = StatusMessage.objects.all()
    assert answer.code == "16" and answer.to_organ_id == SENDER
    assert "Không có văn bản" in parse_status(answer.package.encode()).description


def test_an_update_is_answered_16_and_changes_nothing(registered, received, people):
    outcome = receive_package(data=_business(received, doc_type="2", reason="Sửa trích yếu"), user=people.clerk)
    assert outcome.outcome is Outcome.REFUSED and "cập nhật hoặc thay thế" in outcome.reason.message
    registered.refresh_from_db()
    assert registered.status == DocStatus.PRESENTED
    assert _answers(registered) == ["03", "16"]


def test_only_the_clerk_decides(client, make_user, received):
    document = _handled()
    recall = RecallRequest.objects.create(
        document=document, sender_organ_id=SENDER, sender_document_id=document.sender_document_id, package="<x/>"
    )
    url = reverse("incoming:recall", args=[document.pk, recall.pk])
    for role in (Role.STAFF, Role.HEAD_OF_UNIT, Role.LEADERSHIP, Role.CARRIER):
        client.force_login(make_user(role))
        assert client.post(url, {"decision": "accept"}).status_code == 403, role
    recall.refresh_from_db()
    assert recall.state == RecallRequest.State.PENDING
