"""Demo incoming documents (văn bản đến), each at a different point of its handling. Idempotent.

- 01: Chỉ thị 28/CT-BTTTT of the seeds, rendered as the project renders documents, signed with a development
  certificate of the Ministry (issued by the development PKI's root), sent in an edXML package of the same shape
  vanthu writes, From the Ministry To our VANTHU_EDXML_ORGAN_ID, and received with `receive_package`. Directed by
  giamdoc (Thanh tra Sở in charge, Phòng Bưu chính, Viễn thông cooperating, with a deadline), assigned by
  truongphong to chuyenvien, answered by the dispatch demo's Lạng Sơn công văn (its `answers`) and closed.
- 02: a công văn received on paper three weeks ago whose deadline has passed, still being handled (overdue).
- 03: a scanned paper document (a page of seed text drawn at 300 dpi), OCR'd here, so the list's search finds it
  by words of its body.

The flow is driven in code through the same services the step views call (workflows.incoming.services.handling);
each step is taken only when the document is at it, so a second run changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from lxml import etree
from viewflow.workflow import STATUS

from core.seeds import get_seed
from signing.devpki import DevPki
from signing.services import sign_pdf_with_pkcs12
from templates_docs.doctypes import Urgency
from templates_docs.services import render_document

from .flows import IncomingFlow
from .models import Channel, IncomingDocument, IncomingProcess, Status, TextStatus
from .packages import NS
from .services import handling
from .services.ocr import recognise_text
from .services.receiving import Outcome, receive_package
from .services.registration import register_incoming

# The Ministry's code on the exchange axis in this demo (an OrganId of the national code list's shape).
MINISTRY_ORGAN_ID = "000.00.00.G22"
MINISTRY_KEY_ID = "demo-bo-tttt"
OVERDUE_CODE = "1520/BĐLS-KD"
SCAN_CODE = "245/STTTT-BC"
SCAN_FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def _user(username: str):
    return get_user_model().objects.get(username=username)


# --- the Ministry's signed Chỉ thị in an edXML package -----------------------------------------------------------


def directive_data() -> dict:
    """The seed Chỉ thị 28/CT-BTTTT as the chỉ thị template's data."""
    seed = get_seed("chi-thi-28")
    meta = seed.meta
    return {
        "number": meta["code_number"],
        "issued_date": meta["issued_date"],
        "drafting_unit": "BC",
        "subject": meta["subject"],
        "addressees": [],
        "legal_bases": [],
        "body": seed.text,
        "signer": {
            "name": meta["signer_name"],
            "title": meta["signer_title"],
            "authority_prefix": meta["authority_prefix"],
            "authority_title": "",
        },
        "recipients": list(meta["recipients"]),
        "urgency": "",
        "verification_url": "",
        "organisation": {
            "parent_agency": "",
            "agency": meta["issuer"].upper(),
            "abbreviation": meta["code_notation"].split("-")[-1],
            "place": meta["place"],
        },
    }


def signed_directive() -> bytes:
    """The seed Chỉ thị rendered to PDF and signed by the Ministry (a development certificate)."""
    meta = get_seed("chi-thi-28").meta
    data = directive_data()
    rendered = render_document(doc_type="chi-thi", data=data, organisation=data["organisation"], draft=False)
    pki = DevPki(settings.SIGNING_DEV_PKI_DIR, base_url=settings.SITE_URL, agency=settings.SIGNING_DEV_AGENCY_NAME)
    pki.ensure()
    key = pki.ensure_key(MINISTRY_KEY_ID, common_name=meta["issuer"], organisation=meta["issuer"])
    return sign_pdf_with_pkcs12(
        rendered.pdf,
        pkcs12=Path(key.p12_path).read_bytes(),
        password=Path(key.password_path).read_bytes().strip(),
        appearance="text",
        level="B-B",
        text_lines=[f"Ký bởi: {meta['issuer']}", "Thời gian ký: {time}"],
    )


def _el(parent, tag: str, text=None):
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = str(text)
    return element


def ministry_package(pdf: bytes) -> bytes:
    """The package the Ministry's system sends: the shape of `workflows.dispatch.edxml.build_package`."""
    meta = get_seed("chi-thi-28").meta
    date = dt.date.fromisoformat(meta["issued_date"]).strftime("%Y/%m/%d")
    root = etree.Element(f"{{{NS}}}edXML", nsmap={"edXML": NS})
    envelope = _el(root, "edXMLEnvelope")
    header = _el(_el(envelope, "edXMLHeader"), "MessageHeader")
    source = _el(header, "From")
    _el(source, "OrganId", MINISTRY_ORGAN_ID)
    _el(source, "OrganName", meta["issuer"])
    _el(source, "OrganInCharge", "Chính phủ")
    _el(source, "OrganAdd", "18 Nguyễn Du, Hai Bà Trưng, Hà Nội")
    _el(source, "Email", "vanthu@mic.gov.vn")
    _el(source, "Telephone", "")
    _el(source, "Website", "mic.gov.vn")
    target = _el(header, "To")
    _el(target, "OrganId", settings.VANTHU_EDXML_ORGAN_ID)
    _el(target, "OrganName", settings.SIGNING_DEV_AGENCY_NAME)
    _el(target, "Email", "")
    _el(header, "DocumentId", f"{MINISTRY_ORGAN_ID},{date},{meta['number']}")
    code = _el(header, "Code")
    _el(code, "CodeNumber", meta["code_number"])
    _el(code, "CodeNotation", meta["code_notation"])
    promulgation = _el(header, "PromulgationInfo")
    _el(promulgation, "Place", meta["place"])
    _el(promulgation, "PromulgationDate", date)
    document_type = _el(header, "DocumentType")
    _el(document_type, "Type", "1")
    _el(document_type, "TypeName", "Chỉ thị")
    _el(header, "Subject", meta["subject"])
    signer = _el(header, "SignerInfo")
    _el(signer, "Competence", "")
    _el(signer, "Position", meta["signer_title"].capitalize())
    _el(signer, "FullName", meta["signer_name"])
    _el(header, "DueDate", "")
    places = _el(header, "ToPlaces")
    for place in meta["recipients"][:-1]:
        _el(places, "Place", place)
    other = _el(header, "OtherInfo")
    _el(other, "Priority", 0)
    _el(other, "PromulgationAmount", 1)
    _el(other, "PageAmount", "")
    _el(envelope, "edXMLBody")
    attachment = _el(_el(root, "AttachmentEncoded"), "Attachment")
    _el(attachment, "ContentId", "1")
    _el(attachment, "ContentType", "application/pdf")
    _el(attachment, "Description", "Văn bản")
    _el(attachment, "AttachmentName", "28-CT-BTTTT.pdf")
    _el(attachment, "ContentTransferEncoded", "base64")
    _el(attachment, "AttachmentText", base64.b64encode(pdf).decode("ascii"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- a scanned page ------------------------------------------------------------------------------------------------


def scan_png(paragraphs: tuple[str, ...], *, dpi: int = 300) -> bytes:
    """An A4 page of `paragraphs` in 13 pt Liberation Serif, as a scanner at `dpi` gives it (grey PNG)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    size = round(13 / 72 * dpi)
    font = ImageFont.truetype(SCAN_FONT, size)
    y, line_height = dpi, round(size * 1.5)
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, 80):
            draw.text((dpi, y), line, font=font, fill=0)
            y += line_height
        y += line_height // 2
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


# --- driving the flow ----------------------------------------------------------------------------------------------


def complete(process: IncomingProcess, node: str, user, action) -> None:
    """Take the open task of `node`, run `action(process)` and complete the task, as the step view does."""
    task = process.task_set.get(flow_task=getattr(IncomingFlow, node), status__in=[STATUS.NEW, STATUS.ASSIGNED])
    with transaction.atomic(), task.activation() as activation:
        if task.owner_id is None:
            activation.assign(user)
    with transaction.atomic(), task.activation() as activation:
        activation.start(SimpleNamespace(user=user))
        action(activation.process)
        activation.execute()


def _process(document: IncomingDocument) -> IncomingProcess:
    return IncomingProcess.objects.get(document=document)


def _handle(
    document: IncomingDocument,
    *,
    lead: str,
    cooperating: list[str],
    deadline: dt.date,
    handler_deadline: dt.date,
    note: str = "",
) -> None:
    """Direct (giamdoc) and assign (truongphong → chuyenvien) a document, each only if it waits for that step."""
    leader, head, handler = _user("giamdoc"), _user("truongphong"), _user("chuyenvien")
    document.refresh_from_db()
    if document.status == Status.PRESENTED:
        complete(
            _process(document),
            "direct",
            leader,
            lambda p: handling.direct(
                process=p, user=leader, lead_unit=lead, cooperating_units=cooperating, deadline=deadline, note=note
            ),
        )
        document.refresh_from_db()
    if document.status == Status.DIRECTED:
        complete(
            _process(document),
            "assign",
            head,
            lambda p: handling.assign(process=p, user=head, handler=handler, deadline=handler_deadline),
        )
        document.refresh_from_db()


def _recognise(document: IncomingDocument) -> IncomingDocument:
    """The document's text now (OCR of a scan, a PDF's text layer) unless the task queue already ran it: the
    demo's search works before any worker runs."""
    document.refresh_from_db()
    if document.text_status == TextStatus.PENDING:
        document = recognise_text(document_id=document.pk)
    return document


def _directive(stdout: TextIO, clerk) -> IncomingDocument:
    meta = get_seed("chi-thi-28").meta
    document = IncomingDocument.objects.filter(issuer_organ_id=MINISTRY_ORGAN_ID, code=meta["number"]).first()
    if document is None:
        received = receive_package(data=ministry_package(signed_directive()), user=clerk)
        if received.outcome is not Outcome.ACCEPTED:
            raise RuntimeError(f"the demo directive was not accepted: {received.outcome} {received.reason!r}")
        document = received.document
        # on the timeline of the demo it came three weeks ago, before the overdue one (the register stays in order)
        received_at = timezone.now() - dt.timedelta(days=21)
        IncomingDocument.objects.filter(pk=document.pk).update(received_at=received_at)
        _recognise(document)
        stdout.write(f"incoming: Chỉ thị 28/CT-BTTTT received by edXML, số đến {document.display_number}\n")
    today = timezone.localdate()
    _handle(
        document,
        lead="TTr",
        cooperating=["BCVT"],
        deadline=today + dt.timedelta(days=7),
        handler_deadline=today + dt.timedelta(days=5),
        note="Giao Thanh tra Sở chủ trì, Phòng Bưu chính, Viễn thông phối hợp tham mưu văn bản triển khai Chỉ thị "
        "28/CT-BTTTT đến các doanh nghiệp bưu chính và Ủy ban nhân dân các xã, phường.",
    )
    handler = _user("chuyenvien")
    if document.status == Status.ASSIGNED:
        handling.add_opinion(
            document=document,
            user=handler,
            text="Đề xuất ban hành công văn đề nghị các doanh nghiệp bưu chính ký cam kết “Nói không với hàng lậu, "
            "hàng cấm qua đường bưu chính” và tổ chức tuyên truyền Chỉ thị tại các điểm phục vụ.",
        )
        cooperator = get_user_model().objects.filter(username="chuyenvienbc").first()
        if cooperator is not None:
            handling.add_opinion(
                document=document,
                user=cooperator,
                text="Phòng Bưu chính, Viễn thông thống nhất; cung cấp danh sách doanh nghiệp, điểm phục vụ bưu "
                "chính trên địa bàn để gửi công văn.",
            )
        document.refresh_from_db()
    reply = document.replies.model.objects.filter(data__demo_key="lang-son").first()
    if reply is not None and reply.answers_id is None:
        reply.answers = document
        reply.save(update_fields=["answers"])
        stdout.write(f"incoming: the Lạng Sơn dispatch {reply.number} answers it\n")
    if document.status == Status.IN_PROGRESS:
        resolution = (
            f"Đã ban hành Công văn số {reply.number} triển khai Chỉ thị." if reply is not None and reply.number else ""
        )
        complete(
            _process(document),
            "handle",
            handler,
            lambda p: handling.close(process=p, user=handler, resolution=resolution or "Đã triển khai Chỉ thị."),
        )
        stdout.write("incoming: Chỉ thị 28/CT-BTTTT directed, assigned, answered and closed\n")
    return document


def _overdue(stdout: TextIO, clerk) -> IncomingDocument:
    document = IncomingDocument.objects.filter(code=OVERDUE_CODE).first()
    today = timezone.localdate()
    if document is None:
        document = register_incoming(
            channel=Channel.PAPER,
            issuer_name="Bưu điện tỉnh Lạng Sơn",
            code=OVERDUE_CODE,
            issued_date=today - dt.timedelta(days=16),
            doc_type="Công văn",
            subject="V/v đề nghị hướng dẫn niêm yết danh mục vật phẩm, hàng hóa cấm gửi tại các điểm phục vụ bưu chính",
            signer_name="Vi Văn Thành",
            urgency=Urgency.URGENT,
            page_count=1,
            received_at=timezone.now() - dt.timedelta(days=14),
            user=clerk,
        )
        stdout.write(f"incoming: an overdue công văn, số đến {document.display_number}\n")
    _handle(
        document,
        lead="TTr",
        cooperating=[],
        deadline=today - dt.timedelta(days=4),
        handler_deadline=today - dt.timedelta(days=4),
    )
    if document.status == Status.ASSIGNED:
        handling.add_opinion(
            document=document,
            user=_user("chuyenvien"),
            text="Đang tổng hợp danh mục theo Thông tư của Bộ để dự thảo văn bản hướng dẫn.",
        )
    return document


def _scan(stdout: TextIO, clerk) -> IncomingDocument:
    document = IncomingDocument.objects.filter(code=SCAN_CODE).first()
    if document is None:
        seed = get_seed("tin-kt1-thanh-hoa")
        document = register_incoming(
            channel=Channel.PAPER,
            issuer_name="Sở Thông tin và Truyền thông tỉnh Thanh Hóa",
            code=SCAN_CODE,
            issued_date=dt.date.fromisoformat(seed.meta["published_date"]),
            doc_type="Công văn",
            subject="V/v trao đổi kinh nghiệm triển khai dịch vụ bưu chính KT1",
            page_count=1,
            file_data=scan_png(seed.paragraphs[:2]),
            filename="cong-van-thanh-hoa-ban-quet.png",
            user=clerk,
        )
        document = _recognise(document)
        stdout.write(f"incoming: a scanned paper document, số đến {document.display_number}, {document.text_status}\n")
    return document


def load(stdout: TextIO) -> None:
    clerk = _user("vanthu")
    _directive(stdout, clerk)
    _overdue(stdout, clerk)
    _scan(stdout, clerk)
