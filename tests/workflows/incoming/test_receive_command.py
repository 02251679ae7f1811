"""manage.py receive_edxml and poll_edxml on real packages written by vanthu's own dispatch code: what --check
prints, registering as a clerk, the exit codes of accepted / refused / unreadable, status 03 and 02 going back, and
polling both transports with each package acknowledged once."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.signing_support import sample_pdf
from workflows.incoming.exchange import FolderTransport, HttpTransport
from workflows.incoming.flows import IncomingFlow
from workflows.incoming.models import Channel, IncomingDocument, StatusMessage
from workflows.incoming.status import StatusCode, parse_status

from .conftest import RECEIVER, SENDER, tampered, with_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def package_file(received, tmp_path):
    path = tmp_path / "goi-tin.edxml"
    path.write_bytes(received)
    return path


def _run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("receive_edxml", *map(str, args), stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def test_check_prints_what_the_package_says_and_registers_nothing(package_file, issued):
    code, out = _run(package_file, "--check")
    assert code == 0, out
    assert "Result:         accepted" in out
    assert f"Sender:         {SENDER} " in out
    assert f"Number:         {issued.number}" in out
    assert f"Date:           {issued.issued_date.isoformat()}" in out
    assert f"Subject:        {issued.subject}" in out
    assert "Business type:  new" in out
    assert "application/pdf" in out and "signature: TOTAL_PASSED" in out
    assert not IncomingDocument.objects.exists() and not StatusMessage.objects.exists()


def test_check_json_is_one_object_with_every_field(package_file, issued):
    code, out = _run(package_file, "--check", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["result"] == "accepted"
    assert result["sender"]["organ_id"] == SENDER and result["recipients"] == [RECEIVER]
    assert result["number"] == issued.number and result["date"] == issued.issued_date.isoformat()
    assert result["type"] and result["signer"] == issued.signer.get_full_name()
    assert result["response_for"] is None and result["business_type"] == "new"
    (attachment,) = result["attachments"]
    assert attachment["detected_type"] == "application/pdf" and attachment["size"] > 1000
    assert attachment["signature"]["verdict"] == "TOTAL_PASSED" and attachment["signature"]["signers"]


def test_registering_as_the_clerk_gives_a_number_and_tells_the_sender_once(
    package_file, issued, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        code, out = _run(package_file, "--as", people.clerk.username)
    assert code == 0, out
    document = IncomingDocument.objects.get()
    assert f"Registered as:  {document.display_number}/{document.year}" in out
    assert document.channel == Channel.EDXML and document.issuer_organ_id == SENDER
    assert document.code == issued.number and document.subject == issued.subject
    assert document.validation["indication"] == "TOTAL_PASSED" and document.package is not None
    assert document.registered_by == people.clerk
    assert document.process.flow_class is IncomingFlow  # its handling process started with it
    (message,) = document.status_messages.all()
    assert message.code == StatusCode.REGISTERED and message.state == StatusMessage.State.OFF  # no transport set
    # registered by command as on the page: presented to the leadership, its direction waiting in their queue
    assert document.status == "presented"
    assert document.process.task_set.get(flow_task_type="HUMAN").flow_task.name == "direct"

    code, out = _run(package_file, "--as", people.clerk.username)  # the same package again
    assert code == 0 and "already-registered" in out
    assert IncomingDocument.objects.count() == 1 and StatusMessage.objects.count() == 1


def test_registering_needs_a_clerk(package_file, people):
    assert _run(package_file)[0] == 2
    code, out = _run(package_file, "--as", people.author.username)
    assert code == 2 and "may not register" in out
    assert _run(package_file, "--as", "nobody")[0] == 2
    assert not IncomingDocument.objects.exists()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (tampered, "không hợp lệ"),
        (lambda p: with_content(p, sample_pdf()), "không có chữ ký số"),
        (lambda p: p.replace(RECEIVER.encode(), b"000.00.99.H99"), "không gửi đến cơ quan này"),
    ],
    ids=["tampered", "unsigned", "misaddressed"],
)
def test_a_refused_package_exits_1_with_the_reason_and_status_02_goes_back(
    received, tmp_path, people, change, words, django_capture_on_commit_callbacks
):
    path = tmp_path / "refused.edxml"
    path.write_bytes(change(received))
    code, out = _run(path, "--check")
    assert code == 1 and words in out, out
    assert not StatusMessage.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        code, out = _run(path, "--as", people.clerk.username)
    assert code == 1 and words in out
    assert not IncomingDocument.objects.exists()
    (message,) = StatusMessage.objects.all()
    status = parse_status(message.package.encode())
    assert status.status is StatusCode.REFUSED and words in status.description
    assert message.to_organ_id == SENDER and message.document is None


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p[: len(p) // 2],
        lambda p: with_content(p, b"").replace(b"AttachmentText>", b"AttachmentText>!!!", 1),
        lambda p: with_content(p, b"PK\x03\x04 not really a zip"),
    ],
    ids=["broken-xml", "bad-base64", "bad-zip"],
)
def test_an_unreadable_package_exits_3(received, tmp_path, people, change):
    path = tmp_path / "broken.edxml"
    path.write_bytes(change(received))
    code, out = _run(path, "--check", "--json")
    assert code == 3
    assert json.loads(out[: out.rindex("}") + 1])["result"] == "unreadable"
    assert _run(path, "--as", people.clerk.username)[0] == 3
    assert not IncomingDocument.objects.exists() and not StatusMessage.objects.exists()


# --- poll_edxml -------------------------------------------------------------------------------------------------
def _poll(clerk) -> str:
    out = io.StringIO()
    call_command("poll_edxml", "--as", clerk.username, stdout=out)
    return out.getvalue()


def test_polling_the_folder_registers_refuses_and_answers_each_package_once(
    received, exchange_folder, people, settings, django_capture_on_commit_callbacks
):
    sender = FolderTransport(organ_id=SENDER)
    sender.send(received, to=RECEIVER)
    sender.send(tampered(received), to=RECEIVER)
    sender.send(b"<not xml", to=RECEIVER)
    with django_capture_on_commit_callbacks(execute=True):
        out = _poll(people.clerk)
    assert out.count(": accepted as 01/") == 1 and out.count(": refused") == 1 and out.count(": unreadable") == 1
    assert "3 package(s)." in out
    assert IncomingDocument.objects.get().process.flow_class is IncomingFlow
    assert FolderTransport(organ_id=RECEIVER).received() == []
    assert len(list((exchange_folder / RECEIVER / "inbox" / "done").iterdir())) == 1
    assert len(list((exchange_folder / RECEIVER / "inbox" / "failed").iterdir())) == 2

    answers = sorted(parse_status(sender.fetch(w.id)).status.value for w in sender.received())
    assert answers == ["02", "03"]  # registered, refused; the unreadable one names no document to answer about
    assert "0 package(s)." in _poll(people.clerk)


def test_polling_the_platform_acknowledges_each_package_and_answers_through_it(
    received, http_units, people, django_capture_on_commit_callbacks
):
    HttpTransport(organ_id=SENDER).send(received, to=RECEIVER)
    from django.conf import settings

    assert settings.VANTHU_EDXML_ORGAN_ID == RECEIVER
    with django_capture_on_commit_callbacks(execute=True):
        out = _poll(people.clerk)
    assert ": accepted as" in out
    messages = list(http_units.platform.messages.values())
    assert [(m.sender, m.to, m.kind, m.state) for m in messages] == [
        (SENDER, RECEIVER, "edoc", "done"),
        (RECEIVER, SENDER, "status", "new"),
    ]
    assert parse_status(messages[1].data).status is StatusCode.REGISTERED
    assert [path for path, _unit in http_units.platform.calls].count("updateStatus") == 1
    assert "0 package(s)." in _poll(people.clerk)


def test_polling_without_a_transport_says_so(settings, people):
    settings.VANTHU_EDXML_TRANSPORT = ""
    with pytest.raises(CommandError, match="VANTHU_EDXML_TRANSPORT"):
        _poll(people.clerk)
