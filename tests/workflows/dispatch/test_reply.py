"""A dispatch that answers an incoming document: the outgoing register says which one, and its edXML package
carries ResponseFor, read back by the receiver's own reader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from templates_docs.models import RegisterEntry
from tests.factories import IncomingDocumentFactory
from workflows.dispatch.models import DispatchRecipient
from workflows.incoming.packages import read_package

pytestmark = pytest.mark.django_db


def test_a_reply_is_noted_in_the_outgoing_register_and_its_package_answers_the_document(
    driver, people, keys, client, django_capture_on_commit_callbacks
):
    answered = IncomingDocumentFactory(
        issuer_name="Bộ Khoa học và Công nghệ",
        issuer_organ_id="000.00.00.G22",
        code="28/CT-BKHCN",
        issued_date=dt.date(2026, 11, 20),
        sender_document_id="000.00.00.G22,2026/11/20,28/CT-BKHCN",
    )
    process = driver.to_numbering()
    process.answers = answered
    process.save(update_fields=["answers"])
    today = timezone.localdate().isoformat()
    assert driver.do(people.clerk, process, "number", {"issued_date": today}).status_code == 302
    process.refresh_from_db()
    entry = RegisterEntry.objects.get(pk=process.register_entry)
    assert entry.note == f"Trả lời văn bản đến số {answered} (28/CT-BKHCN)"

    assert driver.sign(process, people.leader).status_code == 302
    assert driver.do(people.clerk, process, "seal").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert driver.do(people.clerk2, process, "send").status_code == 302
    line = process.recipients.get(kind=DispatchRecipient.Kind.AGENCY)
    client.force_login(people.clerk)
    package = read_package(client.get(reverse("dispatch:edxml", args=[process.pk, line.pk])).content)
    assert package.response_for is not None
    assert package.response_for.organ_id == "000.00.00.G22"
    assert package.response_for.code == "28/CT-BKHCN"
    assert package.response_for.promulgation_date == dt.date(2026, 11, 20)
    assert package.response_for.document_id == answered.sender_document_id
