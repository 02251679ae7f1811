"""Task lists: urgent first, overdue flagged, assignees reminded once; the two-step (token) signature."""

from __future__ import annotations

import base64
import datetime
import io

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from signing.services import validate_pdf
from workflows.dispatch import selectors
from workflows.dispatch.models import DispatchRevision, Stage
from workflows.dispatch.services import reminders

from .conftest import _today, open_task


def _age(task, hours: float) -> None:
    task.created = timezone.now() - datetime.timedelta(hours=hours)
    task.save(update_fields=["created"])


def test_urgent_first_and_overdue_flagged(driver, people):
    normal = driver.start(urgency="", subject="V/v thường")
    express = driver.start(urgency="hoa-toc", subject="V/v hỏa tốc")
    driver.submit(normal, urgency="", subject="V/v thường")
    driver.submit(express, urgency="hoa-toc", subject="V/v hỏa tốc")
    _age(open_task(normal, "review"), 10)  # normal: 72 h allowed — not overdue
    _age(open_task(express, "review"), 3)  # hỏa tốc: 2 h allowed — overdue
    rows = selectors.tasks_for(people.head)
    assert [r.process.pk for r in rows] == [express.pk, normal.pk]
    assert [r.overdue for r in rows] == [True, False]
    driver.as_(people.head)
    page = driver.client.get(reverse("dispatch:tasks")).content.decode()
    assert page.index("V/v hỏa tốc") < page.index("V/v thường")
    assert "QUÁ HẠN" in page and "HỎA TỐC" in page


def test_overdue_assignees_are_reminded_once(driver, people):
    process = driver.start(urgency="khan")
    driver.submit(process, urgency="khan")
    _age(open_task(process, "review"), 25)  # khẩn: 24 h
    mail.outbox.clear()
    out = io.StringIO()
    call_command("dispatch_reminders", "--now", stdout=out)
    assert "Reminded 1" in out.getvalue()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [people.head.email]
    assert "quá hạn" in mail.outbox[0].body
    assert reminders.remind_overdue() == 0  # once per task
    assert len(mail.outbox) == 1


def test_queued_reminder_runs_through_django_tasks(driver, people):
    process = driver.start(urgency="hoa-toc")
    driver.submit(process, urgency="hoa-toc")
    _age(open_task(process, "review"), 5)
    out = io.StringIO()
    call_command("dispatch_reminders", stdout=out)  # the immediate backend runs it at once in tests
    assert "Queued reminder task" in out.getvalue()
    assert open_task(process, "review").data.get("reminded_at")


def test_two_step_signing_with_a_key_held_elsewhere(driver, people, keys, signing_pki):
    """The leader's key is on a token: the server prepares, the token signs the digest, the server finishes."""
    process = driver.to_numbering(signer=str(people.deputy.pk), authority_prefix="KT.", authority_title="GIÁM ĐỐC")
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    key = signing_pki.dev_key("user-phogiamdoc")  # the dev PKI's copy: the deputy's own key is under his PIN
    password = key.password_path.read_bytes().strip()
    private_key, certificate, _chain = pkcs12.load_key_and_certificates(key.p12_path.read_bytes(), password)
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)

    driver.as_(people.deputy)
    url = reverse("dispatch:external_sign", args=[process.pk])
    assert driver.client.get(url).status_code == 200
    response = driver.client.post(url, {"certificate": io.BytesIO(cert_pem)}, format="multipart")
    assert response.status_code == 302, response.content.decode()[-3000:]
    page = driver.client.get(url).content.decode()
    external = process.external_signatures.get()
    to_sign = external.state["data_to_sign"]
    assert to_sign in page
    value = private_key.sign(base64.b64decode(to_sign), padding.PKCS1v15(), hashes.SHA256())
    response = driver.client.post(url, {"signature": base64.b64encode(value).decode()})
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.stage == Stage.SEALING
    assert open_task(process, "sign") is None and open_task(process, "seal") is not None
    signed = process.latest_revision(DispatchRevision.Kind.SIGNED)
    report = validate_pdf(signed.pdf.read())
    assert report.signatures[0].valid and report.signatures[0].intact
    common_name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert report.signatures[0].signer_common_name == common_name


def test_two_step_signing_is_only_for_the_assigned_signer(driver, people, keys):
    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    url = reverse("dispatch:external_sign", args=[process.pk])
    for name in ("deputy", "clerk", "author", "carrier_user"):
        driver.as_(getattr(people, name))
        assert driver.client.get(url).status_code == 403, name


def test_a_bad_signature_value_is_refused_without_signing(driver, people, keys, signing_pki):
    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    key = signing_pki.dev_key("user-giamdoc")
    password = key.password_path.read_bytes().strip()
    _pk, certificate, _chain = pkcs12.load_key_and_certificates(key.p12_path.read_bytes(), password)
    driver.as_(people.leader)
    url = reverse("dispatch:external_sign", args=[process.pk])
    driver.client.post(
        url, {"certificate": io.BytesIO(certificate.public_bytes(serialization.Encoding.DER))}, format="multipart"
    )
    response = driver.client.post(url, {"signature": base64.b64encode(b"\x00" * 256).decode()}, follow=True)
    assert response.status_code == 200
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()
    assert open_task(process, "sign") is not None
