"""Numbering, the leader's signature, the seal, sending and publishing — real LibreOffice, pyHanko and checkers."""

from __future__ import annotations

import subprocess

from django.core import mail
from django.urls import reverse
from viewflow.workflow import PROCESS

from cms.models import DirectivePage
from core.audit import trail_for, verify_chain
from signing.models import IssuedRevision
from signing.services import validate_pdf
from templates_docs.models import RegisterEntry
from workflows.dispatch.models import DispatchRecipient, DispatchRevision, Stage

from .conftest import open_task
from .test_flow import pdf_text


def pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def qpdf_check(data: bytes, tmp_path) -> None:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    subprocess.run(["qpdf", "--check", str(path)], capture_output=True, check=True)


def test_whole_chain_numbers_signs_seals_sends_and_publishes(issued, people, tmp_path):
    process = issued
    assert process.stage == Stage.SENT
    assert process.status == PROCESS.DONE
    year = process.issued_date.year
    assert process.number == "01/STTTT-TTr"
    entry = RegisterEntry.objects.get(pk=process.register_entry)
    assert (entry.code, entry.year) == (process.number, year)

    final, signed, sealed = (process.latest_revision(k) for k in ("final", "signed", "sealed"))
    # a chain of revisions, each signature an incremental update of the one before
    assert signed.previous == final and sealed.previous == signed
    assert signed.pdf.read().startswith(final.pdf.read())
    assert sealed.pdf.read().startswith(signed.pdf.read())
    text = pdf_text(final.pdf.read())
    assert "01/STTTT-TTr" in text and "DỰ THẢO" not in text

    data = sealed.pdf.read()
    qpdf_check(data, tmp_path)
    assert pdfsig(data, tmp_path).count("Signature #") == 2
    report = validate_pdf(data)
    assert len(report.signatures) == 2
    leader_sig, seal_sig = report.signatures
    assert leader_sig.intact and leader_sig.valid and leader_sig.trusted
    assert seal_sig.intact and seal_sig.valid and seal_sig.trusted
    assert leader_sig.timestamp_time  # B-T or better
    assert seal_sig.pades_level in {"B-LT", "B-LTA"}
    assert IssuedRevision.objects.filter(code=process.verification_code, sha256=sealed.pdf.sha256).exists()

    # sent: inbox for the carrier's account and the internal unit, e-mails with a link, nothing for free text
    carrier_line = process.recipients.get(kind=DispatchRecipient.Kind.CARRIER)
    assert carrier_line.delivered_at is not None
    assert process.recipients.get(kind=DispatchRecipient.Kind.TEXT).delivered_at is None
    recipients_mailed = {address for message in mail.outbox for address in message.to}
    assert {"buudien@example.vn", people.carrier.email, "congan@example.vn"} <= recipients_mailed
    link = reverse("dispatch:inbox_item", args=[carrier_line.pk])
    assert any(link in message.body for message in mail.outbox)

    # public: published into the directives library with the signed PDF
    page = DirectivePage.objects.get(source_key=f"dispatch:{process.pk}")
    assert page.live and page.number == process.number
    assert process.published_at is not None

    codes = list(trail_for(process).values_list("code", flat=True))
    for code in (
        "created",
        "submitted",
        "review_approved",
        "approve_approved",
        "numbered",
        "signed",
        "sealed",
        "sent",
        "published",
    ):
        assert f"workflows.dispatch.{code}" in codes
    signed_entry = trail_for(process).get(code="workflows.dispatch.signed")
    assert signed_entry.data["sha256"] == signed.pdf.sha256 and signed_entry.actor == people.leader
    assert verify_chain().ok


def test_receipts_opened_and_acknowledged(issued, client, people):
    line = issued.recipients.get(kind=DispatchRecipient.Kind.CARRIER)
    client.force_login(people.carrier_user)
    inbox = client.get(reverse("dispatch:inbox")).content.decode()
    assert issued.number in inbox
    # a carrier's frame names its own pages, not the department's outgoing register
    assert "Văn bản đi" not in inbox and "Văn bản Sở gửi đơn vị" in inbox and "Bản cam kết của đơn vị" in inbox
    page = client.get(reverse("dispatch:inbox_item", args=[line.pk]))
    assert page.status_code == 200
    line.refresh_from_db()
    assert line.opened_by == people.carrier_user and line.acknowledged_at is None
    client.post(reverse("dispatch:inbox_item", args=[line.pk]))
    line.refresh_from_db()
    assert line.acknowledged_by == people.carrier_user
    sealed = issued.latest_revision(DispatchRevision.Kind.SEALED)
    response = client.get(reverse("dispatch:revision", args=[issued.pk, sealed.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sealed.pdf.read()


def test_carriers_see_only_what_was_sent_to_them(issued, client, people):
    final = issued.latest_revision(DispatchRevision.Kind.FINAL)
    sealed = issued.latest_revision(DispatchRevision.Kind.SEALED)
    client.force_login(people.carrier_user)
    # the issued copy yes; drafts, unsigned revisions, the staff page and the trail no
    assert client.get(reverse("dispatch:revision", args=[issued.pk, final.pk])).status_code == 403
    assert client.get(reverse("dispatch:detail", args=[issued.pk])).status_code == 302  # to its own inbox copy
    client.force_login(people.other_carrier_user)
    assert issued.number not in client.get(reverse("dispatch:inbox")).content.decode()
    assert client.get(reverse("dispatch:detail", args=[issued.pk])).status_code == 403
    assert client.get(reverse("dispatch:revision", args=[issued.pk, sealed.pk])).status_code == 403
    line = issued.recipients.get(kind=DispatchRecipient.Kind.CARRIER)
    assert client.get(reverse("dispatch:inbox_item", args=[line.pk])).status_code == 404
    # nor viewflow's staff frontend: the dispatch flow, its process list, this process's page and trail
    for name, args in (
        ("index", []),
        ("process_list", []),
        ("process_detail", [issued.pk]),
        ("task_list", []),
    ):
        response = client.get(reverse(f"workflow:flows:dispatch:{name}", args=args))
        assert response.status_code == 302 and response["Location"] == "/viec-cua-toi/", name  # core.middleware


def test_internal_unit_gets_it_in_its_inbox(issued, client, people):
    client.force_login(people.staff2)  # unit BCVT was a recipient
    line = issued.recipients.get(kind=DispatchRecipient.Kind.UNIT)
    assert client.get(reverse("dispatch:inbox_item", args=[line.pk])).status_code == 200


def test_edxml_package_for_other_agencies(issued, client, people):
    from lxml import etree

    from workflows.dispatch.edxml import NS

    line = issued.recipients.get(kind=DispatchRecipient.Kind.AGENCY)
    client.force_login(people.clerk)
    response = client.get(reverse("dispatch:edxml", args=[issued.pk, line.pk]))
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    ns = {"e": NS}
    assert root.tag == f"{{{NS}}}edXML"
    header = root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", ns)
    assert header.findtext("e:To/e:OrganId", namespaces=ns) == "000.00.20.H41"
    assert header.findtext("e:Code/e:CodeNumber", namespaces=ns) == "01"
    assert header.findtext("e:Code/e:CodeNotation", namespaces=ns) == "STTTT-TTr"
    assert header.findtext("e:OtherInfo/e:Priority", namespaces=ns) == "1"  # khẩn
    date = issued.issued_date.strftime("%Y/%m/%d")
    assert header.findtext("e:DocumentId", namespaces=ns).endswith(f",{date},01/STTTT-TTr")
    import base64

    pdf = base64.b64decode(root.findtext("e:AttachmentEncoded/e:Attachment/e:AttachmentText", namespaces=ns))
    assert pdf == issued.latest_revision(DispatchRevision.Kind.SEALED).pdf.read()


def test_every_revision_downloads_for_staff(issued, client, people):
    client.force_login(people.author)
    for revision in issued.revisions.all():
        response = client.get(reverse("dispatch:revision", args=[issued.pk, revision.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == revision.pdf.read()
    page = client.get(reverse("dispatch:detail", args=[issued.pk])).content.decode()
    sealed = issued.latest_revision(DispatchRevision.Kind.SEALED)
    assert sealed.pdf.sha256[:12] in page
    # the trail says it in words (workflows.dispatch.trail), never the code
    assert f"đóng dấu số lên văn bản {issued.number}" in page and "workflows.dispatch.sealed" not in page


def test_numbering_twice_takes_effect_once(driver, people, keys):
    process = driver.to_numbering()
    from workflows.dispatch.services import issuing

    first = issuing.number_dispatch(process=process, user=people.clerk)
    again = issuing.number_dispatch(process=process, user=people.clerk)
    assert first.pk == again.pk
    assert RegisterEntry.objects.count() == 1
    assert open_task(process, "number") is not None  # the task itself completes only through its view
