"""On PostgreSQL, with real workers: a countersignature whose worker is killed half-way is done once, by the next
worker, and the carrier gets one e-mail. Each background task of the pledges run twice does its work once."""

from __future__ import annotations

import signal
from email import message_from_bytes
from pathlib import Path

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from core.models import AuditEntry
from signing.devpki import signature_png
from templates_docs.models import RegisterEntry
from tests.workers_support import start_worker, wait_for, worker_env
from workflows.pledges.models import OutgoingEmail, Pledge
from workflows.pledges.services import answers, countersignature
from workflows.pledges.services.mail import deliver_email_task

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _sent_messages(directory: Path) -> list:
    if not directory.exists():
        return []
    messages = []
    for log in directory.iterdir():
        for raw in log.read_bytes().split(b"-" * 79 + b"\n"):
            if raw.strip():
                messages.append(message_from_bytes(raw))
    return messages


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_countersignature_whose_worker_is_killed_mid_task_is_done_once_by_the_next_worker(
    on_postgres, pledges, helpers, settings, tmp_path
):
    settings.TASKS = DB_BACKEND
    pledge = pledges[0]
    answers.sign_simple(
        pledge=pledge,
        typed_name="Nguyễn Văn Bình",
        signature_png=signature_png("Bình"),
        code=helpers.fresh_sign_code(pledge),
    )
    task = DBTaskResult.objects.get(task_path__endswith="countersign_task")
    env = worker_env(settings, tmp_path)

    first = start_worker(env, "w1", tmp_path)
    try:  # killed once the certificate is numbered: half-way, before anything is committed as done
        wait_for(
            lambda: Pledge.objects.filter(pk=pledge.pk, certificate_entry__isnull=False).exists(),
            timeout=240,
            what="the first worker to number the certificate",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        first.kill()
    pledge.refresh_from_db()
    assert pledge.countersigned_pdf_id is None, "the worker was killed too late to test a crash"
    assert DBTaskResult.objects.get(id=task.id).status == "RUNNING"

    second = start_worker(env, "w2", tmp_path)
    try:
        wait_for(
            lambda: not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists(),
            timeout=300,
            what="the second worker to finish the countersignature and its e-mail",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    output = (tmp_path / "w2.log").read_text()

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.worker_ids == ["w1", "w2"], output
    pledge.refresh_from_db()
    assert pledge.countersigned_pdf_id and pledge.certificate_pdf_id and not pledge.countersign_error
    assert RegisterEntry.objects.filter(doc_type="giay-chung-nhan").count() == 1
    assert AuditEntry.objects.filter(code="workflows.pledges.countersigned", object_id=str(pledge.pk)).count() == 1
    signed_mails = OutgoingEmail.objects.filter(pledge=pledge, kind=OutgoingEmail.Kind.SIGNED)
    assert [m.status for m in signed_mails] == [OutgoingEmail.Status.SENT]
    delivered = [m for m in _sent_messages(tmp_path / "mail") if pledge.carrier.email in m["To"]]
    assert len(delivered) == 1 and delivered[0]["Message-ID"].startswith("<vanthu-outgoing-")


@pytest.mark.django_db
def test_the_countersignature_task_run_twice_countersigns_once(pledges, helpers, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    pledge = pledges[0]
    answers.sign_simple(
        pledge=pledge,
        typed_name="Nguyễn Văn Bình",
        signature_png=signature_png("Bình"),
        code=helpers.fresh_sign_code(pledge),
    )
    countersignature.countersign_task.call(pledge.pk)
    first = Pledge.objects.get(pk=pledge.pk)
    countersignature.countersign_task.call(pledge.pk)
    again = Pledge.objects.get(pk=pledge.pk)
    assert first.countersigned_pdf_id and again.countersigned_pdf_id == first.countersigned_pdf_id
    assert again.certificate_pdf_id == first.certificate_pdf_id
    assert RegisterEntry.objects.filter(doc_type="giay-chung-nhan").count() == 1
    assert OutgoingEmail.objects.filter(pledge=pledge, kind=OutgoingEmail.Kind.SIGNED).count() == 1


@pytest.mark.django_db
def test_an_e_mail_task_run_twice_sends_once(pledges):
    email = OutgoingEmail.objects.create(
        pledge=pledges[0], kind=OutgoingEmail.Kind.REMINDER, to="a@example.vn", subject="Nhắc ký", body="…"
    )
    mail.outbox.clear()
    deliver_email_task.call(email.pk)
    deliver_email_task.call(email.pk)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.attempts == 1
