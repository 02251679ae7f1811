"""The department's countersignature: its organisation seal (B-LT) on the carrier's signed pledge, and a numbered,
sealed certificate of participation.

The outgoing register's counter is locked only while the certificate's number is taken (in its own short
transaction; under the "shared" numbering series that counter is the dispatches' too). Rendering and signing
happen after, without any lock. The number is kept on the pledge, so a failed attempt is retried with the same
number and the register stays gap-free.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core.audit import log_action
from core.files import store_file
from core.organisation import organisation_info
from signing import services as signing
from templates_docs.models import RegisterEntry
from templates_docs.names import agency_in_text
from templates_docs.services import register_outgoing, render_document
from workflows.pledges.flows import PledgeFlow
from workflows.pledges.models import OutgoingEmail, Pledge
from workflows.pledges.selectors import department_head
from workflows.pledges.services.invitations import pledge_url
from workflows.pledges.services.mail import queue_email

logger = logging.getLogger(__name__)


def countersign(*, pledge_id: int) -> Pledge:
    """The department's organisation signature (B-LT) on the signed pledge, then its certificate of participation."""
    pledge = Pledge.objects.select_related("carrier", "campaign", "signed_pdf").get(pk=pledge_id)
    if pledge.countersigned_pdf_id or pledge.status != Pledge.Status.SIGNED:
        return pledge
    org = organisation_info()
    key_id = settings.VANTHU_PLEDGES_SEAL_KEY
    level = settings.VANTHU_PLEDGES_COUNTERSIGN_LEVEL
    signer = department_head()
    try:
        sealed = signing.sign_pdf(
            pledge.signed_pdf.read(),
            key_id=key_id,
            level=level,
            appearance="text",
            text_lines=[
                f"{agency_in_text(org.get('agency', ''), place=org.get('place', ''))} đã tiếp nhận, xác nhận",
                "{time}",
            ],
            reason="Xác nhận bản cam kết của doanh nghiệp",
        )
        entry = _certificate_entry(pledge=pledge, org=org, signer=signer)
        certificate_code = signing.new_verification_code()
        certificate = render_document(
            doc_type="giay-chung-nhan",
            data=certificate_data(
                pledge=pledge,
                number=entry.number,
                issued_date=entry.issued_date,
                signer=signer,
                verification_url=signing.verification_url(certificate_code),
            ),
            organisation=org,
            draft=False,
        )
        page, box = certificate.signature_box
        certificate_signed = signing.sign_pdf(
            certificate.pdf, key_id=key_id, level=level, appearance="seal", page=page, box=box
        )
        with transaction.atomic():
            locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
            if locked.countersigned_pdf_id:
                return locked
            locked.countersigned_pdf = store_file(sealed, filename=f"cam-ket-{locked.public_id}-xac-nhan.pdf")
            locked.certificate_pdf = store_file(certificate_signed, filename=f"giay-chung-nhan-{locked.public_id}.pdf")
            signing.record_issued_revision(
                code=certificate_code,
                pdf=certificate_signed,
                file_name=locked.certificate_pdf.file.name,
                number=entry.code,
                subject=_certificate_subject(pledge),
                issuer=org.get("agency", ""),
                issued_date=entry.issued_date,
                kind="giay-chung-nhan",
            )
            signing.record_issued_revision(
                code=pledge.verification_code,
                pdf=sealed,
                file_name=locked.countersigned_pdf.file.name,
                number="",
                subject=f"Bản cam kết của {pledge.carrier.name} (Sở đã xác nhận)",
                issuer=pledge.carrier.name,
                issued_date=timezone.localdate(),
                kind="cam-ket",
            )
            locked.countersigned_at = timezone.now()
            locked.countersign_error = ""
            locked.save()
            task = (
                locked.process.task_set.filter(flow_task=PledgeFlow.countersign)
                .exclude(status__in=["DONE", "CANCELED"])
                .first()
            )
            if task is not None:
                PledgeFlow.countersign.run(task)
            log_action(
                "workflows.pledges.countersigned",
                {"sha256": locked.countersigned_pdf.sha256, "certificate": entry.code},
                None,
                obj=locked,
            )
            # in the same transaction: a crash after the commit must not lose the carrier's e-mail
            queue_email(
                pledge=locked,
                kind=OutgoingEmail.Kind.SIGNED,
                subject=_("Bản cam kết đã được Sở xác nhận"),
                body=render_to_string("pledges/email/signed.txt", {"pledge": locked, "url": pledge_url(locked)}),
            )
    except Exception as exc:  # keep the failure visible on the dashboard; the task can be run again
        Pledge.objects.filter(pk=pledge.pk).update(countersign_error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.exception("Countersigning pledge %s failed", pledge.pk)
        raise
    return locked


@task()
def countersign_task(pledge_id: int) -> None:
    countersign(pledge_id=pledge_id)


def _certificate_entry(*, pledge: Pledge, org: dict[str, Any], signer: dict[str, str]) -> RegisterEntry:
    """The certificate's line in the outgoing register: taken now (the register's lock is held for this short
    transaction only), or the one an earlier attempt took."""
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if locked.certificate_entry_id is not None:
            return locked.certificate_entry
        entry = register_outgoing(
            doc_type="giay-chung-nhan",
            issued_date=timezone.localdate(),
            agency_abbreviation=org.get("abbreviation") or "STTTT",
            drafting_unit="",
            subject=_certificate_subject(pledge),
            signer_name=signer["name"],
            recipients=[pledge.carrier.name],
        )
        locked.certificate_entry = entry
        locked.save(update_fields=["certificate_entry"])
        log_action("workflows.pledges.certificate_numbered", {"number": entry.code}, None, obj=locked)
    return entry


def _certificate_subject(pledge: Pledge) -> str:
    return f"Chứng nhận {pledge.carrier.name} đã ký cam kết"


def certificate_data(
    *, pledge: Pledge, number: int, issued_date, signer: dict[str, str], verification_url: str
) -> dict[str, Any]:
    org = organisation_info()
    carrier = pledge.carrier
    signed_on = timezone.localtime(pledge.signed_at or timezone.now())
    return {
        "number": number,
        "issued_date": issued_date.isoformat(),
        "subject": f"Đã ký cam kết «{pledge.campaign.pledge_subject}»",
        "addressees": [],
        "legal_bases": ["Căn cứ Chỉ thị số 28/CT-BTTTT ngày 08 tháng 5 năm 2020 của Bộ Thông tin và Truyền thông"],
        "body": "\n\n".join(
            [
                f"{org.get('agency', '').upper()} CHỨNG NHẬN:",
                f"**{carrier.name}**",
                f"Mã số thuế: {carrier.tax_code or '—'}; giấy phép bưu chính số {carrier.licence_number or '—'}; "
                f"địa chỉ: {carrier.address or '—'}.",
                f"Đã ký cam kết «{pledge.campaign.pledge_subject}» ngày {signed_on.day:02d} tháng "
                f"{signed_on.month} năm {signed_on.year}.",
            ]
        ),
        "signer": signer,
        "recipients": [carrier.name, "Lưu: VT"],
        "verification_url": verification_url,
    }
