"""Reading an edXML package (QCVN 102:2016/BTTTT) as the national axis sends it, and what the receiver makes of it.

`read_package(data)` parses a package into plain values (`Package`, `Attachment`, ...) or raises
`UnreadablePackage`: broken XML, a DTD with entities (billion laughs, external entities), bad base64, a bad ZIP, a
ZIP bomb, more than the allowed size, members or time. Nothing is half-read: either the whole package with every
attachment decoded, or the error. Both shapes are read: vanthu's own (`workflows.dispatch.edxml`: the content in
`AttachmentText`, `ContentTransferEncoded` = "base64") and the axis's (the content in `ContentTransferEncoded`,
usually a ZIP with one `<uuid>.<ext>` entry even when ContentType says application/pdf).

`assess_package(package, organ_id=...)` is the receiver's check (ND 30 Art. 20): addressed to us, and the signed
PDF inside intact, valid and trusted (the envelope's `Signature` block is a placeholder in practice and is not
trusted). A package that fails is refused with the reason, to be answered by status 02.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import hashlib
import io
import re
import time
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field

import defusedxml
import defusedxml.ElementTree as SafeET
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import UserError
from signing.validation import ValidationReport
from signing.validation.report import Indication

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

__all__ = [
    "NS",
    "Assessment",
    "Attachment",
    "AttachmentCheck",
    "BusinessType",
    "Organ",
    "Package",
    "PackageError",
    "RefusedPackage",
    "ResponseFor",
    "Signer",
    "StaffInfo",
    "TraceEntry",
    "UnreadablePackage",
    "assess_package",
    "read_package",
]


class PackageError(UserError):
    """An edXML package could not be taken in. `message` Vietnamese for the clerk, `detail` English."""


class UnreadablePackage(PackageError):
    """The package is malformed or exceeds a limit: nothing in it is used."""


class RefusedPackage(PackageError):
    """The package reads but is refused (misaddressed, a signature that fails): returned with status 02."""


class BusinessType(enum.StrEnum):
    """Bussiness/BussinessDocType: what the package does to the document."""

    NEW = "0"
    REVOKE = "1"
    UPDATE = "2"
    REPLACE = "3"

    @property
    def label(self) -> str:
        return {
            BusinessType.NEW: _("Văn bản mới"),
            BusinessType.REVOKE: _("Thu hồi"),
            BusinessType.UPDATE: _("Cập nhật"),
            BusinessType.REPLACE: _("Thay thế"),
        }[self]


@dataclass(frozen=True)
class Organ:
    organ_id: str
    name: str = ""
    in_charge: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class Signer:
    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class StaffInfo:
    """Who at the agency acted (StaffInfo of a status package or of a recall's Bussiness block)."""

    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class ResponseFor:
    """The document this package answers (MessageHeader/ResponseFor)."""

    organ_id: str = ""
    code: str = ""
    promulgation_date: dt.date | None = None
    document_id: str = ""


@dataclass(frozen=True)
class TraceEntry:
    organ_id: str
    timestamp: str


@dataclass(frozen=True)
class Attachment:
    content_id: str
    name: str
    declared_type: str
    description: str
    data: bytes
    detected_type: str
    zip_wrapped: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def is_pdf(self) -> bool:
        return self.detected_type == "application/pdf"


@dataclass(frozen=True)
class Package:
    sender: Organ
    recipients: tuple[Organ, ...]
    document_id: str = ""
    code_number: str = ""
    code_notation: str = ""
    place: str = ""
    promulgation_date: dt.date | None = None
    type_code: str = ""
    type_name: str = ""
    subject: str = ""
    signer: Signer = field(default_factory=Signer)
    priority: int = 0
    due_date: dt.date | None = None
    steering_type: str = ""
    to_places: tuple[str, ...] = ()
    page_amount: int | None = None
    promulgation_amount: int | None = None
    response_for: ResponseFor | None = None
    business_type: BusinessType = BusinessType.NEW
    business_reason: str = ""
    trace: tuple[TraceEntry, ...] = ()
    envelope_signed: bool = False  # a Signature block is present (placeholder values in practice; never trusted)
    status_code: str = ""  # set on a status package (no body, no attachment)
    status_description: str = ""
    status_timestamp: str = ""
    staff: StaffInfo | None = None  # MessageHeader/StaffInfo, else Bussiness/StaffInfo
    attachments: tuple[Attachment, ...] = ()

    @property
    def number(self) -> str:
        """Số/ký hiệu as printed: "01/STTTT-TTr"."""
        return "/".join(p for p in (self.code_number, self.code_notation) if p)

    @property
    def is_status(self) -> bool:
        return bool(self.status_code)

    def addressed_to(self, organ_id: str) -> bool:
        wanted = organ_id.strip().casefold()
        return any(r.organ_id.strip().casefold() == wanted for r in self.recipients)


# --- limits ----------------------------------------------------------------------------------------------------
class _Budget:
    """The decompressed bytes, members and seconds one package may use (settings VANTHU_EDXML_*)."""

    def __init__(self) -> None:
        self.bytes_left = settings.VANTHU_EDXML_MAX_DECOMPRESSED_BYTES
        self.members_left = settings.VANTHU_EDXML_MAX_MEMBERS
        self.deadline = time.monotonic() + settings.VANTHU_EDXML_MAX_SECONDS

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise UnreadablePackage(
                _("Gói edXML xử lý quá lâu (quá %(s)s giây).") % {"s": settings.VANTHU_EDXML_MAX_SECONDS},
                detail=f"reading the package took longer than {settings.VANTHU_EDXML_MAX_SECONDS} s",
            )

    def take_member(self, what: str) -> None:
        self.members_left -= 1
        if self.members_left < 0:
            raise UnreadablePackage(
                _("Gói edXML có quá nhiều tệp (tối đa %(n)s).") % {"n": settings.VANTHU_EDXML_MAX_MEMBERS},
                detail=f"more than {settings.VANTHU_EDXML_MAX_MEMBERS} attachments or ZIP members ({what})",
            )

    def take_bytes(self, count: int, what: str) -> None:
        self.bytes_left -= count
        if self.bytes_left < 0:
            limit = settings.VANTHU_EDXML_MAX_DECOMPRESSED_BYTES
            raise UnreadablePackage(
                _("Tệp đính kèm giải nén vượt quá %(mb)s MB (nghi là bom nén).") % {"mb": limit // (1024 * 1024)},
                detail=f"{what}: decoded content exceeds the limit of {limit} bytes (a ZIP bomb?)",
            )
        self.check_time()


# --- XML -------------------------------------------------------------------------------------------------------
def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns_ok(tag: str) -> bool:
    return not tag.startswith("{") or tag.startswith(f"{{{NS}}}")


def _child(parent: ET.Element | None, name: str) -> ET.Element | None:
    if parent is None:
        return None
    for child in parent:
        if _local(child.tag) == name and _ns_ok(child.tag):
            return child
    return None


def _children(parent: ET.Element | None, name: str) -> list[ET.Element]:
    if parent is None:
        return []
    return [c for c in parent if _local(c.tag) == name and _ns_ok(c.tag)]


def _text(parent: ET.Element | None, *path: str) -> str:
    node = parent
    for name in path:
        node = _child(node, name)
    return (node.text or "").strip() if node is not None else ""


def _date(value: str) -> dt.date | None:
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    return None


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _parse_xml(data: bytes) -> ET.Element:
    refused = _("Gói edXML bị từ chối: có khai báo thực thể XML (có thể là tấn công).")
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        raise UnreadablePackage(refused, detail=f"XML entity declaration refused ({exc})") from exc
    except (defusedxml.ExternalReferenceForbidden, defusedxml.DTDForbidden) as exc:
        raise UnreadablePackage(refused, detail=f"XML external reference refused ({exc})") from exc
    except ET.ParseError as exc:
        raise UnreadablePackage(
            _("Gói edXML không đọc được: XML hỏng."), detail=f"the package is not well-formed XML: {exc}"
        ) from exc
    if root.tag != f"{{{NS}}}edXML":
        raise UnreadablePackage(
            _("Tệp không phải gói edXML theo QCVN 102:2016/BTTTT."),
            detail=f"root element is {root.tag!r}, expected {{{NS}}}edXML",
        )
    return root


def _organ(node: ET.Element | None) -> Organ:
    return Organ(
        organ_id=_text(node, "OrganId"),
        name=_text(node, "OrganName"),
        in_charge=_text(node, "OrganInCharge"),
        address=_text(node, "OrganAdd"),
        email=_text(node, "Email"),
        phone=_text(node, "Telephone"),
        website=_text(node, "Website"),
    )


# --- attachments -----------------------------------------------------------------------------------------------
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .doc, .xls
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"<?xml", "application/xml"),
)
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def detect_type(data: bytes, names: list[str] | None = None) -> str:
    """The type from the content's first bytes (and a ZIP's member names: DOCX/XLSX), never from the name."""
    head = data[:1024].lstrip()
    for magic, kind in _MAGIC:
        if head.startswith(magic) if magic != b"%PDF-" else magic in data[:1024]:
            if kind == "application/zip" and names:
                for prefix, ooxml in _OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return ooxml
            return kind
    return "application/octet-stream"


def _bad_zip(name: str, why: str) -> UnreadablePackage:
    return UnreadablePackage(
        _("Tệp đính kèm “%(name)s” là tệp ZIP hỏng.") % {"name": name}, detail=f"attachment {name!r}: bad ZIP ({why})"
    )


def _read_zip(data: bytes, name: str, budget: _Budget) -> list[tuple[str, bytes]]:
    """Every member of a ZIP, decompressed in chunks within the budget (declared sizes are not believed)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise _bad_zip(name, str(exc)) from exc
    members = []
    for info in infos:
        budget.take_member(f"{name}/{info.filename}")
        if info.flag_bits & 0x1:
            raise UnreadablePackage(
                _("Tệp đính kèm “%(name)s” là ZIP có mật khẩu.") % {"name": name},
                detail=f"attachment {name!r}: encrypted ZIP member {info.filename!r}",
            )
        if info.file_size > budget.bytes_left:
            budget.take_bytes(info.file_size, f"{name}/{info.filename} (declared size)")
        chunks = []
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(1024 * 1024):
                    budget.take_bytes(len(chunk), f"{name}/{info.filename}")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, EOFError, OSError) as exc:
            raise _bad_zip(name, f"{info.filename}: {exc}") from exc
        if not info.is_dir():
            members.append((info.filename, b"".join(chunks)))
    return members


def _attachment(node: ET.Element, index: int, budget: _Budget) -> Attachment:
    name = _text(node, "AttachmentName") or f"attachment-{index}"
    encoded_node = _child(node, "AttachmentText")
    transfer = _text(node, "ContentTransferEncoded")
    if encoded_node is None:  # the axis: the content itself in ContentTransferEncoded
        encoded_node = _child(node, "ContentTransferEncoded")
    elif transfer and transfer.lower() != "base64":
        raise UnreadablePackage(
            _("Tệp đính kèm “%(name)s” mã hóa theo cách không hỗ trợ.") % {"name": name},
            detail=f"attachment {name!r}: ContentTransferEncoded {transfer[:40]!r}, only base64 is read",
        )
    encoded = (
        re.sub(rb"\s+", b"", (encoded_node.text or "").encode("ascii", "replace")) if encoded_node is not None else b""
    )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UnreadablePackage(
            _("Tệp đính kèm “%(name)s” không giải mã được (base64 hỏng).") % {"name": name},
            detail=f"attachment {name!r}: bad base64 ({exc})",
        ) from exc
    if not data:
        raise UnreadablePackage(
            _("Tệp đính kèm “%(name)s” rỗng.") % {"name": name}, detail=f"attachment {name!r}: no content"
        )
    budget.take_bytes(len(data), name)
    wrapped = False
    names: list[str] = []
    if detect_type(data) == "application/zip":
        members = _read_zip(data, name, budget)
        names = [m for m, _content in members]
        if len(members) == 1 and not name.lower().endswith(".zip"):  # the axis's wrapper: one <uuid>.<ext> entry
            data, wrapped, names = members[0][1], True, []
            if detect_type(data) == "application/zip":
                names = [m for m, _content in _read_zip(data, name, budget)]
    return Attachment(
        content_id=_text(node, "ContentId"),
        name=name,
        declared_type=_text(node, "ContentType"),
        description=_text(node, "Description"),
        data=data,
        detected_type=detect_type(data, names),
        zip_wrapped=wrapped,
    )


# --- the package -----------------------------------------------------------------------------------------------
def read_package(data: bytes) -> Package:
    """Parse an edXML package (bytes) into a `Package`; raises `UnreadablePackage`, never returns half of one."""
    limit = settings.VANTHU_EDXML_MAX_PACKAGE_BYTES
    if len(data) > limit:
        raise UnreadablePackage(
            _("Gói edXML quá lớn (tối đa %(mb)s MB).") % {"mb": limit // (1024 * 1024)},
            detail=f"the package is {len(data)} bytes, the limit is {limit}",
        )
    budget = _Budget()
    root = _parse_xml(data)
    budget.check_time()
    envelope = _child(root, "edXMLEnvelope")
    header = _child(envelope, "edXMLHeader")
    message = _child(header, "MessageHeader")
    if message is None:
        raise UnreadablePackage(
            _("Gói edXML thiếu phần tiêu đề (MessageHeader)."),
            detail="no edXMLEnvelope/edXMLHeader/MessageHeader",
        )
    sender = _organ(_child(message, "From"))
    if not sender.organ_id:
        raise UnreadablePackage(
            _("Gói edXML không ghi mã định danh cơ quan gửi."), detail="MessageHeader/From/OrganId is missing"
        )
    response = _child(message, "ResponseFor")
    response_for = None
    if response is not None:
        response_for = ResponseFor(
            organ_id=_text(response, "OrganId"),
            code=_text(response, "Code"),
            promulgation_date=_date(_text(response, "PromulgationDate")),
            document_id=_text(response, "DocumentId"),
        )
    traces = _child(header, "TraceHeaderList")
    business = _child(traces, "Bussiness")
    raw_business = _text(business, "BussinessDocType") or "0"
    try:
        business_type = BusinessType(raw_business)
    except ValueError as exc:
        raise UnreadablePackage(
            _("Gói edXML có loại nghiệp vụ không hợp lệ."), detail=f"BussinessDocType {raw_business[:20]!r} unknown"
        ) from exc
    status_code = _text(message, "StatusCode")
    staff_node = _child(message, "StaffInfo")
    if staff_node is None:
        staff_node = _child(business, "StaffInfo")
    staff = (
        StaffInfo(
            department=_text(staff_node, "Department"),
            staff=_text(staff_node, "Staff"),
            mobile=_text(staff_node, "Mobile"),
            email=_text(staff_node, "Email"),
        )
        if staff_node is not None
        else None
    )
    attachments = []
    for index, node in enumerate(_children(_child(root, "AttachmentEncoded"), "Attachment"), start=1):
        budget.take_member(f"attachment {index}")
        attachments.append(_attachment(node, index, budget))
    if not attachments and not status_code and business_type is BusinessType.NEW:
        raise UnreadablePackage(
            _("Gói edXML không có tệp văn bản đính kèm."), detail="a new document without any attachment"
        )
    return Package(
        sender=sender,
        recipients=tuple(_organ(node) for node in _children(message, "To")),
        document_id=_text(message, "DocumentId"),
        code_number=_text(message, "Code", "CodeNumber"),
        code_notation=_text(message, "Code", "CodeNotation"),
        place=_text(message, "PromulgationInfo", "Place"),
        promulgation_date=_date(_text(message, "PromulgationInfo", "PromulgationDate")),
        type_code=_text(message, "DocumentType", "Type"),
        type_name=_text(message, "DocumentType", "TypeName"),
        subject=_text(message, "Subject"),
        signer=Signer(
            competence=_text(message, "SignerInfo", "Competence"),
            position=_text(message, "SignerInfo", "Position"),
            full_name=_text(message, "SignerInfo", "FullName"),
        ),
        priority=_int(_text(message, "OtherInfo", "Priority")) or 0,
        due_date=_date(_text(message, "DueDate")),
        steering_type=_text(message, "SteeringType"),
        to_places=tuple((p.text or "").strip() for p in _children(_child(message, "ToPlaces"), "Place")),
        page_amount=_int(_text(message, "OtherInfo", "PageAmount")),
        promulgation_amount=_int(_text(message, "OtherInfo", "PromulgationAmount")),
        response_for=response_for,
        business_type=business_type,
        business_reason=_text(business, "BussinessDocReason"),
        trace=tuple(
            TraceEntry(organ_id=_text(t, "OrganId"), timestamp=_text(t, "Timestamp"))
            for t in _children(traces, "TraceHeader")
        ),
        envelope_signed=_child(header, "Signature") is not None,
        status_code=status_code,
        status_description=_text(message, "Description"),
        status_timestamp=_text(message, "Timestamp"),
        staff=staff,
        attachments=tuple(attachments),
    )


# --- the receiver's check --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttachmentCheck:
    attachment: Attachment
    report: ValidationReport | None  # for PDFs only

    @property
    def verdict(self) -> str:
        return self.report.indication if self.report is not None else ""


@dataclass(frozen=True)
class Assessment:
    package: Package
    addressed: bool
    checks: tuple[AttachmentCheck, ...]
    refusal: RefusedPackage | None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def _refuse(message: str, detail: str) -> RefusedPackage:
    return RefusedPackage(message, detail=detail)


def assess_package(package: Package, *, organ_id: str | None = None, validate=None) -> Assessment:
    """Addressed to `organ_id` (default VANTHU_EDXML_ORGAN_ID)? Every PDF through the project's validator.

    Accepted when addressed to us, the document (the first PDF) passes (TOTAL_PASSED; INDETERMINATE only with
    VANTHU_EDXML_ACCEPT_INDETERMINATE) and no other PDF's signature fails. `validate` defaults to
    `signing.services.validate_pdf`.
    """
    if validate is None:
        from signing.services import validate_pdf as validate
    organ_id = organ_id or settings.VANTHU_EDXML_ORGAN_ID
    checks = tuple(
        AttachmentCheck(attachment=a, report=validate(a.data, max_bytes=settings.VANTHU_EDXML_MAX_DECOMPRESSED_BYTES))
        if a.is_pdf
        else AttachmentCheck(attachment=a, report=None)
        for a in package.attachments
    )
    addressed = package.addressed_to(organ_id)
    return Assessment(package=package, addressed=addressed, checks=checks, refusal=_refusal(package, addressed, checks))


def _refusal(package: Package, addressed: bool, checks: tuple[AttachmentCheck, ...]) -> RefusedPackage | None:
    if not addressed:
        ids = ", ".join(r.organ_id for r in package.recipients) or "-"
        return _refuse(
            _("Văn bản không gửi đến cơ quan này (gửi đến: %(ids)s).") % {"ids": ids},
            f"misaddressed: the recipients are {ids}, we are {settings.VANTHU_EDXML_ORGAN_ID}",
        )
    if package.is_status or package.business_type is BusinessType.REVOKE:
        return None  # no document to check
    pdfs = [c for c in checks if c.report is not None]
    if not pdfs:
        return _refuse(
            _("Gói edXML không có văn bản PDF ký số."), "no PDF attachment: nothing carries a digital signature"
        )
    for check in pdfs:
        if check.verdict in (Indication.TOTAL_FAILED, Indication.UNREADABLE):
            return _refuse(
                _("Chữ ký số trên tệp “%(name)s” không hợp lệ hoặc tệp đã bị thay đổi sau khi ký.")
                % {"name": check.attachment.name},
                f"attachment {check.attachment.name!r}: {check.verdict} {check.report.reason_code}",
            )
    document = pdfs[0]
    passing = {Indication.TOTAL_PASSED}
    if settings.VANTHU_EDXML_ACCEPT_INDETERMINATE:
        passing.add(Indication.INDETERMINATE)
    if document.verdict == Indication.NO_SIGNATURE:
        return _refuse(
            _("Văn bản “%(name)s” không có chữ ký số.") % {"name": document.attachment.name},
            f"attachment {document.attachment.name!r}: the document is not signed",
        )
    if document.verdict not in passing:
        return _refuse(
            _("Chưa xác định được chữ ký số trên văn bản “%(name)s”.") % {"name": document.attachment.name},
            f"attachment {document.attachment.name!r}: {document.verdict} {document.report.reason_code}",
        )
    return None
