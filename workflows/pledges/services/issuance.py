"""One carrier's pledge as a document: its text, the PDF rendered from the campaign's template, stored and
registered for the public verification page, and the start of its process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import log_action
from core.files import store_file
from core.organisation import organisation_info
from core.seeds import get_seed
from signing import services as signing
from templates_docs.names import agency_in_text
from templates_docs.services import render_document
from workflows.pledges.flows import PledgeFlow
from workflows.pledges.models import Carrier, Pledge


def default_pledge_body() -> str:
    """The commitments of Chỉ thị 28/CT-BTTTT, as the business pledges them."""
    seed = get_seed("chi-thi-28")
    lines = [
        "Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010;",
        f"Căn cứ {seed.meta['title'].replace('Chỉ thị 28/CT-BTTTT', 'Chỉ thị số 28/CT-BTTTT ngày 08/5/2020 của Bộ Thông tin và Truyền thông')}.",
        "Đơn vị chúng tôi cam kết:",
        "1. Nói không với việc chấp nhận, vận chuyển và phát hàng lậu, hàng cấm qua đường bưu chính.",
        "2. Thực hiện đầy đủ việc kiểm tra, kiểm soát bưu gửi theo quy định; không chấp nhận bưu gửi chứa vật phẩm, "
        "hàng hóa không được gửi theo Điều 12 Luật Bưu chính.",
        "3. Phối hợp với cơ quan chức năng phát hiện, ngăn chặn và xử lý các hành vi lợi dụng mạng bưu chính "
        "để vận chuyển hàng lậu, hàng cấm; tuyên truyền, phổ biến cho người lao động và khách hàng.",
        "4. Chịu trách nhiệm trước pháp luật nếu vi phạm cam kết này.",
    ]
    return "\n".join(lines)


def carrier_organisation(carrier: Carrier) -> dict[str, Any]:
    """The pledge is the business's own document: its header names the business, the place is the province's."""
    return {
        "parent_agency": "",
        "agency": carrier.name,
        "abbreviation": "".join(word[0] for word in carrier.name.split() if word[0].isalpha()).upper()[:12] or "DN",
        "place": organisation_info().get("place") or "",
        "units": [],
    }


def pledge_document_data(*, pledge: Pledge, verification_url: str) -> dict[str, Any]:
    carrier = pledge.carrier
    campaign = pledge.campaign
    org = organisation_info()
    lines = [line.strip() for line in (campaign.pledge_body or default_pledge_body()).splitlines() if line.strip()]
    legal_bases = [line.rstrip(";.") for line in lines if line.startswith("Căn cứ")]
    commitments = [line for line in lines if not line.startswith("Căn cứ")]
    agency = agency_in_text(org.get("agency", ""), place=org.get("place", ""))
    identity = (
        f"**{carrier.name}** (mã số thuế {carrier.tax_code or '—'}, giấy phép bưu chính số "
        f"{carrier.licence_number or '—'}; địa chỉ: {carrier.address or '—'}), do ông/bà "
        f"{carrier.representative or '—'}, {carrier.representative_title or 'người đại diện'}, đại diện:"
    )
    return {
        "number": None,
        "issued_date": timezone.localdate().isoformat(),
        "subject": campaign.pledge_subject,
        "addressees": [agency],
        "legal_bases": legal_bases,
        "body": "\n\n".join([identity, *commitments]),
        "signer": {
            "name": carrier.representative or carrier.name,
            "title": (carrier.representative_title or "Người đại diện").upper(),
        },
        "recipients": [f"{agency} (để theo dõi)", "Lưu: đơn vị"],
        "verification_url": verification_url,
    }


@dataclass(frozen=True)
class RenderedPledge:
    pdf: bytes
    code: str
    template_version: str
    signature_box: tuple[int, tuple[float, float, float, float]]


def render_pledge(*, pledge: Pledge) -> RenderedPledge:
    """This carrier's pledge as a PDF through the campaign's DOCX template (LibreOffice)."""
    code = pledge.verification_code or signing.new_verification_code()
    rendered = render_document(
        doc_type=pledge.campaign.template_doc_type,
        data=pledge_document_data(pledge=pledge, verification_url=signing.verification_url(code)),
        organisation=carrier_organisation(pledge.carrier),
        draft=False,
    )
    return RenderedPledge(rendered.pdf, code, rendered.template_version, rendered.signature_box)


def issue_pledge(*, pledge: Pledge) -> Pledge:
    """Render, store and register this carrier's pledge and start its process. Idempotent."""
    if pledge.issued_pdf_id and pledge.process_id:
        return pledge
    rendered = render_pledge(pledge=pledge)
    return record_issued_pdf(pledge=pledge, rendered=rendered)


def record_issued_pdf(*, pledge: Pledge, rendered: RenderedPledge) -> Pledge:
    """Store the issued pledge, register it for the public verification page and start its process."""
    pdf, code = rendered.pdf, rendered.code
    stored = store_file(pdf, filename=f"cam-ket-{pledge.public_id}.pdf", content_type="application/pdf")
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().select_related("carrier").get(pk=pledge.pk)
        if locked.issued_pdf_id and locked.process_id:
            return locked
        locked.issued_pdf = stored
        locked.verification_code = code
        locked.template_version = rendered.template_version
        page, box = rendered.signature_box
        locked.signature_box = {"page": page, "box": list(box)}
        locked.render_error = ""
        locked.save()
        signing.record_issued_revision(
            code=code,
            pdf=pdf,
            file_name=stored.file.name,
            number="",
            subject=f"Bản cam kết của {locked.carrier.name}",
            issuer=locked.carrier.name,
            issued_date=timezone.localdate(),
            kind="cam-ket",
        )
        if not locked.process_id:
            PledgeFlow.start.run(pledge=locked)
        log_action("workflows.pledges.issued", {"sha256": stored.sha256}, None, obj=locked)
    return locked
