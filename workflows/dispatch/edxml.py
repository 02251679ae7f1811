"""edXML package (QCVN 102:2016/BTTTT) for sending an issued dispatch to another agency.

edXML > edXMLEnvelope > {edXMLHeader > MessageHeader, edXMLBody}, then AttachmentEncoded with the signed PDF in
base64. Agency codes (OrganId, ≤ 13 characters) come from the recipient line and the EDXML_ORGAN_ID setting.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from core.models import StaffProfile
from core.organisation import organisation_info
from templates_docs.doctypes import URGENCY_RANK, get_type

from .errors import DispatchError
from .models import DispatchProcess, DispatchRecipient, DispatchRevision

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
STATUS_CODES = {
    "01": _("Đã đến"),
    "02": _("Từ chối tiếp nhận"),
    "03": _("Đã tiếp nhận"),
    "04": _("Phân công"),
    "05": _("Đang xử lý"),
    "06": _("Hoàn thành"),
    "13": _("Đề nghị lấy lại"),
}


def _el(parent, tag: str, text: str | None = None):
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = str(text)
    return element


def package_filename(process: DispatchProcess, recipient: DispatchRecipient) -> str:
    return f"edxml-{process.number.replace('/', '-')}-{recipient.pk}.edxml"


def build_package(*, process: DispatchProcess, recipient: DispatchRecipient) -> bytes:
    issued = process.latest_revision(DispatchRevision.Kind.SEALED)
    if issued is None or not process.number or process.issued_date is None:
        raise DispatchError(_("Chỉ tạo được gói edXML cho văn bản đã cấp số và ký số."))
    org = organisation_info()
    organ_id = settings.VANTHU_EDXML_ORGAN_ID
    number, _sep, notation = process.number.partition("/")
    date = process.issued_date.strftime("%Y/%m/%d")
    doc_type = get_type(process.doc_type)
    signer = process.signer
    profile = StaffProfile.objects.filter(user=signer).first()

    root = etree.Element(f"{{{NS}}}edXML", nsmap={"edXML": NS})
    envelope = _el(root, "edXMLEnvelope")
    header = _el(_el(envelope, "edXMLHeader"), "MessageHeader")
    source = _el(header, "From")
    _el(source, "OrganId", organ_id)
    _el(source, "OrganName", org["agency"])
    _el(source, "OrganInCharge", org["parent_agency"])
    _el(source, "OrganAdd", org["address"])
    _el(source, "Email", org["email"])
    _el(source, "Telephone", org["phone"])
    _el(source, "Website", org["website"])
    target = _el(header, "To")
    _el(target, "OrganId", recipient.organ_id)
    _el(target, "OrganName", recipient.name)
    _el(target, "Email", recipient.email)
    _el(header, "DocumentId", f"{organ_id},{date},{process.number}")
    answered = process.answers
    if answered is not None and answered.issuer_organ_id:  # the incoming document this one answers
        response = _el(header, "ResponseFor")
        _el(response, "OrganId", answered.issuer_organ_id)
        _el(response, "Code", answered.code)
        _el(response, "PromulgationDate", answered.issued_date.strftime("%Y/%m/%d") if answered.issued_date else "")
        _el(response, "DocumentId", answered.sender_document_id)
    code = _el(header, "Code")
    _el(code, "CodeNumber", number)
    _el(code, "CodeNotation", notation)
    promulgation = _el(header, "PromulgationInfo")
    _el(promulgation, "Place", org["place"])
    _el(promulgation, "PromulgationDate", date)
    document_type = _el(header, "DocumentType")
    _el(document_type, "Type", "1")
    _el(document_type, "TypeName", doc_type.name)
    _el(header, "Subject", process.subject[:500])
    signer_info = _el(header, "SignerInfo")
    _el(signer_info, "Competence", " ".join(p for p in (process.authority_prefix, process.authority_title) if p))
    _el(signer_info, "Position", profile.title if profile else "")
    _el(signer_info, "FullName", signer.get_full_name() if signer else "")
    _el(header, "DueDate", "")
    places = _el(header, "ToPlaces")
    for other in process.recipients.exclude(kind=DispatchRecipient.Kind.TEXT):
        _el(places, "Place", other.name)
    other_info = _el(header, "OtherInfo")
    _el(other_info, "Priority", URGENCY_RANK.get(process.urgency, 0))
    _el(other_info, "PromulgationAmount", 1)
    _el(other_info, "PageAmount", issued.page_count or "")
    _el(envelope, "edXMLBody")

    attachments = _el(root, "AttachmentEncoded")
    files = [(issued.pdf, issued.pdf.filename or f"{number}.pdf", _("Văn bản"))]
    files += [(a.file, a.file.filename or a.title, a.title) for a in process.attachments.select_related("file")]
    for index, (stored, name, description) in enumerate(files, start=1):
        attachment = _el(attachments, "Attachment")
        _el(attachment, "ContentId", str(index))
        _el(attachment, "ContentType", stored.content_type)
        _el(attachment, "Description", description)
        _el(attachment, "AttachmentName", name)
        _el(attachment, "ContentTransferEncoded", "base64")
        _el(attachment, "AttachmentText", base64.b64encode(stored.read()).decode("ascii"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
