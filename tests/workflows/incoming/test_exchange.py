"""Exchanging packages: the folder drop and the platform's REST interface (a real HTTP server on 127.0.0.1) behind
one interface, and `notify_sender` recording each status package and sending it through whichever is configured."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.utils import timezone

from core.models import AuditEntry
from tests.factories import IncomingDocumentFactory, UserFactory
from workflows.incoming.exchange import FolderTransport, HttpTransport, TransportError, get_transport
from workflows.incoming.models import Channel, StatusMessage
from workflows.incoming.packages import read_package
from workflows.incoming.services.exchange import notify_sender, refuse_package, resend_failed
from workflows.incoming.services.registration import register_incoming
from workflows.incoming.status import StatusCode, parse_status

from .conftest import RECEIVER, SENDER

pytestmark = pytest.mark.django_db

PACKAGE = b'<?xml version="1.0"?><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>'


@pytest.fixture(params=["folder", "http"])
def unit(request, settings, tmp_path):
    """A factory of the configured transport as one unit or another: the same tests run over both."""
    if request.param == "http":
        request.getfixturevalue("http_units")
    else:
        request.getfixturevalue("exchange_folder")

    def as_unit(organ_id: str):
        settings.VANTHU_EDXML_ORGAN_ID = organ_id
        transport = get_transport()
        assert transport.name == request.param and transport.organ_id == organ_id
        return transport

    return as_unit


def test_a_package_sent_by_one_unit_is_listed_fetched_and_acknowledged_once_by_the_other(unit):
    sent_id = unit(SENDER).send(PACKAGE, to=RECEIVER)
    assert sent_id
    receiver = unit(RECEIVER)
    (waiting,) = receiver.received()
    assert waiting.sender == SENDER and waiting.kind == "edoc"
    assert receiver.fetch(waiting.id) == PACKAGE
    receiver.acknowledge(waiting.id)
    assert receiver.received() == []
    assert unit(SENDER).received() == []  # nothing came back to the sender


def test_a_status_package_is_sent_as_a_status(unit):
    unit(RECEIVER).send(PACKAGE, to=SENDER, kind="status")
    (waiting,) = unit(SENDER).received()
    assert waiting.kind == "status" and waiting.sender == RECEIVER


def test_the_folder_drop_writes_whole_files_keeps_an_outbox_and_refuses_paths(exchange_folder):
    sender, receiver = FolderTransport(organ_id=SENDER), FolderTransport(organ_id=RECEIVER)
    name = sender.send(PACKAGE, to=RECEIVER)
    assert (exchange_folder / SENDER / "outbox" / name).read_bytes() == PACKAGE
    # a file another writer has not finished (its temporary name) is not listed
    (exchange_folder / RECEIVER / "inbox" / ".part-x.tmp").write_bytes(PACKAGE[:10])
    assert [w.id for w in receiver.received()] == [name]
    assert not list((exchange_folder / RECEIVER / "inbox").glob("*.tmp"))[1:]
    receiver.acknowledge(name, ok=False)
    assert (exchange_folder / RECEIVER / "inbox" / "failed" / name).exists()
    for bad in ("../../etc/passwd", "a/b", ""):
        with pytest.raises(TransportError):
            receiver.fetch(bad)
    with pytest.raises(TransportError):
        sender.send(PACKAGE, to="../outside")


def test_the_platform_refuses_a_request_with_wrong_credentials(http_units, settings):
    settings.VANTHU_EDXML_HTTP_UNITS = {SENDER: {"system_id": "vanthu-sender", "secret": "wrong"}}
    with pytest.raises(TransportError) as refused:
        HttpTransport(organ_id=SENDER).send(PACKAGE, to=RECEIVER)
    assert "mã 401" in refused.value.message
    assert http_units.platform.messages == {}


def test_an_unreachable_platform_is_a_clear_error(settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.VANTHU_EDXML_HTTP_SYSTEM_ID, settings.VANTHU_EDXML_HTTP_SECRET = "x", "y"
    with pytest.raises(TransportError) as failed:
        HttpTransport(base_url=f"http://127.0.0.1:{port}", timeout=2).received()
    assert "Không kết nối được" in failed.value.message


# --- notify_sender ----------------------------------------------------------------------------------------------
def _electronic(**overrides):
    values = {
        "channel": Channel.EDXML,
        "issuer_organ_id": SENDER,
        "issuer_name": "Sở Thông tin và Truyền thông tỉnh Lạng Sơn",
        "code": "05/STTTT-TTr",
        "issued_date": dt.date(2026, 11, 30),
        "sender_document_id": f"{SENDER},2026/11/30,05/STTTT-TTr",
    }
    values.update(overrides)
    return IncomingDocumentFactory(**values)


def test_notify_sender_sends_the_status_to_the_documents_sender_and_records_it(
    unit, django_capture_on_commit_callbacks
):
    unit(RECEIVER)
    document = _electronic()
    clerk = UserFactory(first_name="Thư", last_name="Nguyễn")
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_sender(document=document, status="04", description="Giao Thanh tra Sở chủ trì", user=clerk)
    message.refresh_from_db()
    assert message.state == StatusMessage.State.SENT and message.transport_id and message.sent_by == clerk
    assert list(document.status_messages.values_list("code", flat=True)) == ["04"]

    sender = unit(SENDER)
    (waiting,) = sender.received()
    status = parse_status(sender.fetch(waiting.id))
    assert status.status is StatusCode.ASSIGNED and status.description == "Giao Thanh tra Sở chủ trì"
    assert status.is_about(organ_id=SENDER, document_id=document.sender_document_id)
    assert status.sender.organ_id == RECEIVER
    assert AuditEntry.objects.filter(code="workflows.incoming.status_sent", object_id=str(document.pk)).exists()


def test_nothing_is_sent_before_the_step_commits(exchange_folder, settings, django_capture_on_commit_callbacks):
    settings.VANTHU_EDXML_ORGAN_ID = RECEIVER
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = notify_sender(document=_electronic(), status="05")
    assert FolderTransport(organ_id=SENDER).received() == []
    assert StatusMessage.objects.get(pk=message.pk).state == StatusMessage.State.PENDING
    callbacks[0]()
    assert len(FolderTransport(organ_id=SENDER).received()) == 1


def test_a_document_not_from_the_exchange_has_no_one_to_tell(exchange_folder):
    assert notify_sender(document=IncomingDocumentFactory(), status="03") is None
    assert not StatusMessage.objects.exists()


def test_without_a_transport_the_status_is_recorded_not_sent(settings, django_capture_on_commit_callbacks):
    settings.VANTHU_EDXML_TRANSPORT = ""
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_sender(document=_electronic(), status="06")
    message.refresh_from_db()
    assert message.state == StatusMessage.State.OFF
    assert parse_status(message.package.encode()).status is StatusCode.DONE


def test_a_platform_that_is_down_leaves_the_status_failed_and_it_is_sent_later(
    http_units, settings, django_capture_on_commit_callbacks
):
    settings.VANTHU_EDXML_ORGAN_ID = RECEIVER
    http_units.platform.units = {}  # the platform does not know us (yet): 401
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_sender(document=_electronic(), status="05")
    message.refresh_from_db()
    assert message.state == StatusMessage.State.FAILED and "401" in message.error
    assert AuditEntry.objects.filter(code="workflows.incoming.status_failed").count() == 1

    from .conftest import UNITS

    http_units.platform.units = dict(UNITS)
    assert resend_failed() == 1
    message.refresh_from_db()
    assert message.state == StatusMessage.State.SENT
    (sent,) = http_units.platform.messages.values()
    assert sent.to == SENDER and sent.kind == "status"


def test_registering_an_electronic_document_tells_its_sender_registered(
    received, exchange_folder, django_capture_on_commit_callbacks
):
    package = read_package(received)
    with django_capture_on_commit_callbacks(execute=True):
        document = register_incoming(
            channel=Channel.EDXML,
            issuer_name=package.sender.name,
            issuer_organ_id=package.sender.organ_id,
            code=package.number,
            issued_date=package.promulgation_date,
            subject=package.subject,
            file_data=package.attachments[0].data,
            sender_document_id=package.document_id,
            user=UserFactory(),
            received_at=timezone.now(),
        )
        paper = register_incoming(
            channel=Channel.PAPER, issuer_name="UBND tỉnh", subject="Về việc khác", code="15/UBND", user=None
        )
    (waiting,) = FolderTransport(organ_id=SENDER).received()
    status = parse_status(FolderTransport(organ_id=SENDER).fetch(waiting.id))
    assert status.status is StatusCode.REGISTERED
    assert status.description == f"Đã vào sổ văn bản đến số {document.display_number}/{document.year}"
    assert status.is_about(organ_id=SENDER, document_id=package.document_id)
    assert not paper.status_messages.exists()


def test_a_package_refused_on_arrival_gets_status_02_with_the_reason(received, exchange_folder):
    package = read_package(received)
    message = refuse_package(package=package, reason="Chữ ký số không hợp lệ")
    assert message.document is None and message.to_organ_id == SENDER
    status = parse_status(message.package.encode())
    assert status.status is StatusCode.REFUSED and status.description == "Chữ ký số không hợp lệ"
    assert status.response_for.document_id == package.document_id


def test_an_unknown_transport_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.VANTHU_EDXML_TRANSPORT = "ftp"
    with pytest.raises(ImproperlyConfigured):
        get_transport()
