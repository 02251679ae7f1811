"""On PostgreSQL: the countersignature holds the outgoing register's lock only while it takes the certificate's
number, so under the "shared" numbering series a dispatch can be numbered while the certificate is rendered by
LibreOffice and sealed at B-LT."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from signing import services as signing
from signing.devpki import signature_png
from templates_docs.models import RegisterEntry
from templates_docs.services import register_outgoing
from workflows.pledges.models import Pledge
from workflows.pledges.services import answers, countersignature

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _number_a_dispatch_elsewhere() -> tuple[bool, float]:
    """From another connection: take (and give back) the next dispatch number, waiting at most 2 s for the
    register. Returns whether it got one and how long it waited."""
    outcome: list = []

    def attempt() -> None:
        started = time.monotonic()
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                register_outgoing(
                    doc_type="cong-van",
                    issued_date=timezone.localdate(),
                    agency_abbreviation="STTTT",
                    drafting_unit="TTr",
                    subject="V/v kiểm tra bưu gửi",
                    signer_name="Nguyễn Văn A",
                    recipients=["Bưu điện tỉnh"],
                )
                transaction.set_rollback(True)
            outcome.append((True, time.monotonic() - started))
        except OperationalError:  # lock timeout: the register is held by the countersignature
            outcome.append((False, time.monotonic() - started))
        finally:
            connection.close()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(timeout=30)
    return outcome[0]


def test_a_dispatch_is_numbered_while_a_countersignature_renders_and_signs(
    on_postgres, pledges, helpers, settings, monkeypatch
):
    settings.VANTHU_NUMBERING_SERIES = "shared"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # countersign by hand
    pledge = pledges[0]
    answers.sign_simple(
        pledge=pledge,
        typed_name="Nguyễn Văn Bình",
        signature_png=signature_png("Bình"),
        code=helpers.fresh_sign_code(pledge),
    )
    attempts: dict[str, tuple[bool, float]] = {}
    render, sign = countersignature.render_document, signing.sign_pdf

    def rendering(**kwargs):  # the real LibreOffice rendition, after a dispatch is numbered meanwhile
        attempts["rendering"] = _number_a_dispatch_elsewhere()
        return render(**kwargs)

    def signing_pdf(pdf, **kwargs):  # the real B-LT signature; the certificate's is the one with the seal
        if kwargs.get("appearance") == "seal":
            attempts["signing"] = _number_a_dispatch_elsewhere()
        return sign(pdf, **kwargs)

    monkeypatch.setattr(countersignature, "render_document", rendering)
    monkeypatch.setattr(signing, "sign_pdf", signing_pdf)

    countersignature.countersign(pledge_id=pledge.pk)

    assert attempts.keys() == {"rendering", "signing"}
    for step, (numbered, waited) in attempts.items():
        assert numbered and waited < 1.0, f"a dispatch could not be numbered while the certificate was {step}"
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SIGNED and pledge.certificate_pdf_id and pledge.countersigned_pdf_id
    # Every dispatch number was given back: the certificate has number 1 and the shared series no gap.
    assert list(RegisterEntry.objects.values_list("number", "doc_type")) == [(1, "giay-chung-nhan")]
    assert pledge.certificate_entry.number == 1
