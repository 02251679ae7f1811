"""edXML status packages (QCVN 102:2016/BTTTT): what the receiver tells the sender at each step, and reading one.

A status package is the envelope vanthu writes for a document (`workflows.dispatch.edxml`) with an empty body and
no attachment: edXML > edXMLEnvelope > {edXMLHeader > MessageHeader, edXMLBody}, the MessageHeader carrying
From (us), To (the document's sender, so a transport and the sender's own address check route it), ResponseFor
(the document: the sender's OrganId, số/ký hiệu, PromulgationDate, DocumentId), StaffInfo, StatusCode,
Description and Timestamp. StatusCode and ResponseFor/DocumentId are required (spec section 3).

`build_status(...)` writes one (bytes); `parse_status(data)` reads one back into a `StatusPackage` through the
receiver's reader (`packages.read_package`: entities, DTDs and network refused, size and time limits) or raises
`UnreadablePackage`.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from core.organisation import organisation_info

from .packages import NS, Organ, ResponseFor, StaffInfo, UnreadablePackage, read_package

__all__ = [
    "StatusCode",
    "StatusPackage",
    "build_status",
    "parse_status",
    "staff_info",
    "status_package_for",
]


class StatusCode(enum.StrEnum):
    """The edXML status codes (spec section 3): 01–06 from the receiver, 13 from the sender, 15/16 the answer."""

    ARRIVED = "01"
    REFUSED = "02"
    REGISTERED = "03"
    ASSIGNED = "04"
    IN_PROGRESS = "05"
    DONE = "06"
    RECALL = "13"
    RECALL_ACCEPTED = "15"
    RECALL_REFUSED = "16"

    @property
    def label(self) -> str:
        return str(_LABELS[self])


_LABELS = {
    StatusCode.ARRIVED: gettext_lazy("Đã đến"),
    StatusCode.REFUSED: gettext_lazy("Từ chối tiếp nhận"),
    StatusCode.REGISTERED: gettext_lazy("Đã tiếp nhận, vào sổ"),
    StatusCode.ASSIGNED: gettext_lazy("Phân công"),
    StatusCode.IN_PROGRESS: gettext_lazy("Đang xử lý"),
    StatusCode.DONE: gettext_lazy("Hoàn thành"),
    StatusCode.RECALL: gettext_lazy("Đề nghị lấy lại"),
    StatusCode.RECALL_ACCEPTED: gettext_lazy("Đồng ý lấy lại, cập nhật"),
    StatusCode.RECALL_REFUSED: gettext_lazy("Từ chối lấy lại, cập nhật"),
}


@dataclass(frozen=True)
class StatusPackage:
    """One status package, as written or read."""

    status: StatusCode
    sender: Organ  # who reports the status (From)
    recipients: tuple[Organ, ...]  # whom it is for (To): the document's sender
    response_for: ResponseFor  # the document the status is about
    description: str = ""
    timestamp: dt.datetime | None = None
    staff: StaffInfo | None = None

    def is_about(self, *, organ_id: str, document_id: str) -> bool:
        """About the document `document_id` that the agency `organ_id` sent? (ResponseFor's OrganId, DocumentId)."""
        return (
            self.response_for.organ_id.strip().casefold() == organ_id.strip().casefold()
            and self.response_for.document_id.strip() == document_id.strip()
        )


def _el(parent, tag: str, text: object = None):
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = str(text)
    return element


def _organ(parent, tag: str, organ: Organ) -> None:
    node = _el(parent, tag)
    _el(node, "OrganId", organ.organ_id)
    _el(node, "OrganName", organ.name)
    if tag == "From":
        _el(node, "OrganInCharge", organ.in_charge)
        _el(node, "OrganAdd", organ.address)
        _el(node, "Email", organ.email)
        _el(node, "Telephone", organ.phone)
        _el(node, "Website", organ.website)
    elif organ.email:
        _el(node, "Email", organ.email)


def ourselves() -> Organ:
    """This agency as the From of what it sends (VANTHU_EDXML_ORGAN_ID and the organisation settings)."""
    org = organisation_info()
    return Organ(
        organ_id=settings.VANTHU_EDXML_ORGAN_ID,
        name=org["agency"],
        in_charge=org["parent_agency"],
        address=org["address"],
        email=org["email"],
        phone=org["phone"],
        website=org["website"],
    )


def build_status(
    *,
    status: StatusCode | str,
    response_for: ResponseFor,
    to: Organ,
    description: str = "",
    staff: StaffInfo | None = None,
    timestamp: dt.datetime | None = None,
    sender: Organ | None = None,
) -> bytes:
    """The status package (bytes, UTF-8 XML) telling `to` the `status` of the document `response_for` names."""
    status = StatusCode(status)
    if not response_for.document_id.strip():
        raise ValueError("a status package needs ResponseFor/DocumentId")
    if not to.organ_id.strip():
        raise ValueError("a status package needs the OrganId it is addressed to")
    sender = sender or ourselves()
    timestamp = timezone.localtime(timestamp or timezone.now())

    root = etree.Element(f"{{{NS}}}edXML", nsmap={"edXML": NS})
    envelope = _el(root, "edXMLEnvelope")
    header = _el(_el(envelope, "edXMLHeader"), "MessageHeader")
    _organ(header, "From", sender)
    _organ(header, "To", to)
    answered = _el(header, "ResponseFor")
    _el(answered, "OrganId", response_for.organ_id)
    _el(answered, "Code", response_for.code)
    _el(
        answered,
        "PromulgationDate",
        response_for.promulgation_date.strftime("%Y/%m/%d") if response_for.promulgation_date else "",
    )
    _el(answered, "DocumentId", response_for.document_id)
    staff = staff or StaffInfo()
    staff_node = _el(header, "StaffInfo")
    _el(staff_node, "Department", staff.department)
    _el(staff_node, "Staff", staff.staff)
    _el(staff_node, "Mobile", staff.mobile)
    _el(staff_node, "Email", staff.email)
    _el(header, "StatusCode", status.value)
    _el(header, "Description", " ".join(description.split())[:1000])
    _el(header, "Timestamp", timestamp.isoformat(timespec="seconds"))
    _el(envelope, "edXMLBody")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def staff_info(user) -> StaffInfo | None:
    """StaffInfo of a member of staff (name, unit, e-mail, phone), None for no one (a command, the system)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    from core.models import StaffProfile

    profile = StaffProfile.objects.filter(user=user).first()
    return StaffInfo(
        department=profile.unit_abbreviation if profile else "",
        staff=user.get_full_name() or user.get_username(),
        mobile=profile.phone if profile else "",
        email=user.email or "",
    )


def status_package_for(
    *, document, status: StatusCode | str, description: str = "", staff: StaffInfo | None = None
) -> bytes:
    """The status package about an incoming document that came electronically, addressed to its sender."""
    if not document.issuer_organ_id or not document.sender_document_id:
        raise ValueError(f"incoming document {document.pk} has no sender OrganId / DocumentId: not from the axis")
    return build_status(
        status=status,
        response_for=ResponseFor(
            organ_id=document.issuer_organ_id,
            code=document.code,
            promulgation_date=document.issued_date,
            document_id=document.sender_document_id,
        ),
        to=Organ(organ_id=document.issuer_organ_id, name=document.issuer_name),
        description=description,
        staff=staff,
    )


def _timestamp(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for fmt in ("%d/%m/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S"):
            try:
                parsed = dt.datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        else:
            return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def parse_status(data: bytes) -> StatusPackage:
    """Read a status package; `UnreadablePackage` when it is not one (no StatusCode, unknown code, no DocumentId)."""
    package = read_package(data)
    if not package.is_status:
        raise UnreadablePackage(
            _("Gói edXML không phải gói trạng thái."), detail="no MessageHeader/StatusCode: not a status package"
        )
    try:
        status = StatusCode(package.status_code)
    except ValueError as exc:
        raise UnreadablePackage(
            _("Gói trạng thái có mã trạng thái không hợp lệ (%(code)s).") % {"code": package.status_code[:10]},
            detail=f"unknown StatusCode {package.status_code[:20]!r}",
        ) from exc
    if package.response_for is None or not package.response_for.document_id:
        raise UnreadablePackage(
            _("Gói trạng thái không ghi văn bản mà nó nói đến (ResponseFor)."),
            detail="a status package without ResponseFor/DocumentId",
        )
    return StatusPackage(
        status=status,
        sender=package.sender,
        recipients=package.recipients,
        response_for=package.response_for,
        description=package.status_description,
        timestamp=_timestamp(package.status_timestamp),
        staff=package.staff,
    )
