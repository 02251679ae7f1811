"""Registering an incoming document (đăng ký văn bản đến): the số đến, the stored file, the duplicate check.

The số đến comes from the templates_docs counter (series `INCOMING_SERIES`, per year of receipt): one series for
paper and electronic documents, allocated under a row lock inside the registration's transaction, so a rollback
takes the number back and two clerks at once never share one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.files import store_file
from core.models import StoredFile
from core.types import Actor
from templates_docs.doctypes import URGENCY_RANK, Urgency
from templates_docs.services import next_number

from ..errors import IncomingError, PossibleDuplicate
from ..models import INCOMING_SERIES, Channel, IncomingDocument, Status, TextStatus
from ..selectors import find_duplicates
from ..signals import document_registered
from ..status import StatusCode
from .exchange import notify_sender
from .ocr import check_scan, recognise_text_task

PDF = "application/pdf"
_SCAN_TYPES = {
    b"%PDF-": PDF,
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}

__all__ = ["held_upload", "hold_upload", "register_incoming"]


def _content_type(data: bytes, *, channel: str) -> str:
    for magic, content_type in _SCAN_TYPES.items():
        if data.startswith(magic):
            if channel != Channel.PAPER and content_type != PDF:
                break
            return content_type
    if channel == Channel.PAPER:
        raise IncomingError(
            _("Bản quét phải là tệp PDF hoặc ảnh JPEG, PNG, TIFF."),
            detail="the scan is not a PDF, PNG, JPEG or TIFF file",
        )
    raise IncomingError(_("Tệp văn bản phải là tệp PDF."), detail="the file is not a PDF")


def hold_upload(*, data: bytes, filename: str, channel: str = Channel.PDF) -> StoredFile:
    """Keep an uploaded file (content-addressed) while the clerk checks what was read from it; registering it
    later refers to the same stored file. Refuses what the channel does not take (a PDF; a paper scan: PDF or
    image)."""
    content_type = _content_type(data, channel=channel)
    return store_file(data, filename=filename or "van-ban-den.pdf", content_type=content_type)


def held_upload(*, sha256: str) -> bytes | None:
    stored = StoredFile.objects.filter(sha256=sha256).first()
    if stored is None:
        return None
    with stored.file.open("rb") as fh:
        return fh.read()


def _required(value: str, *, label: str, limit: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise IncomingError(_("Chưa nhập %(field)s.") % {"field": label}, detail=f"{label} is empty")
    return value[:limit]


def register_incoming(
    *,
    channel: str,
    issuer_name: str,
    subject: str,
    user: Actor,
    received_at: dt.datetime | None = None,
    issuer_organ_id: str = "",
    code: str = "",
    issued_date: dt.date | None = None,
    doc_type: str = "",
    signer_name: str = "",
    urgency: str = Urgency.NORMAL,
    deadline: dt.date | None = None,
    page_count: int | None = None,
    file_data: bytes | None = None,
    filename: str = "",
    package_data: bytes | None = None,
    validation: dict[str, Any] | None = None,
    sender_document_id: str = "",
    response_for: str = "",
    note: str = "",
    confirm_duplicate: bool = False,
) -> IncomingDocument:
    """Register an incoming document and give it the next số đến of its year of receipt.

    Raises `PossibleDuplicate` (nothing registered) when the same issuer's same số, ký hiệu or the same file is
    already in the register, unless `confirm_duplicate`; `IncomingError` for anything else the user must fix.
    """
    now = timezone.now()
    received_at = received_at or now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    received_on = timezone.localdate(received_at)
    if received_at > now + dt.timedelta(minutes=5):
        raise IncomingError(_("Ngày đến không thể ở tương lai."), detail="received_at is in the future")
    if channel not in Channel.values:
        raise IncomingError(_("Hình thức nhận không hợp lệ."), detail=f"unknown channel {channel!r}")
    if urgency not in Urgency.values:
        raise IncomingError(_("Độ khẩn không hợp lệ."), detail=f"unknown urgency {urgency!r}")
    issuer_name = _required(issuer_name, label=_("cơ quan ban hành"), limit=255)
    subject = _required(subject, label=_("trích yếu"), limit=500)
    code = " ".join(code.split())[:64]
    if issued_date is not None and issued_date > received_on:
        raise IncomingError(
            _("Ngày văn bản không thể sau ngày đến."), detail=f"issued {issued_date} after received {received_on}"
        )
    if deadline is not None and deadline < received_on:
        raise IncomingError(
            _("Hạn giải quyết không thể trước ngày đến."), detail=f"deadline {deadline} before {received_on}"
        )
    if page_count is not None and page_count < 1:
        raise IncomingError(_("Số trang phải lớn hơn 0."), detail=f"page_count {page_count}")
    if channel != Channel.PAPER and not file_data:
        raise IncomingError(_("Văn bản điện tử phải có tệp đính kèm."), detail="electronic document without a file")
    content_type = _content_type(file_data, channel=channel) if file_data else None
    if channel == Channel.PAPER and file_data:  # refused now (resolution, pages) rather than after registration
        check_scan(data=file_data, content_type=content_type)

    with transaction.atomic():
        stored = (
            store_file(file_data, filename=filename or "van-ban-den.pdf", content_type=content_type)
            if file_data
            else None
        )
        package = (
            store_file(package_data, filename="goi-tin.edxml", content_type="application/xml") if package_data else None
        )
        number = next_number(series=INCOMING_SERIES, year=received_on.year)
        # After the counter's lock: a year's registrations are serialised, so this sees every earlier one.
        duplicates = find_duplicates(
            issuer_name=issuer_name,
            issuer_organ_id=issuer_organ_id.strip(),
            code=code,
            sha256=stored.sha256 if stored else "",
        )
        if duplicates and not confirm_duplicate:
            raise PossibleDuplicate(
                _("Văn bản này có thể đã được vào sổ: %(items)s. Kiểm tra lại và xác nhận nếu vẫn vào sổ.")
                % {"items": ", ".join(f"{d.display_number}/{d.year} ({d.code or d.subject[:40]})" for d in duplicates)},
                duplicates=duplicates,
                detail=f"possible duplicate of {[d.pk for d in duplicates]}",
            )
        document = IncomingDocument.objects.create(
            year=received_on.year,
            number=number,
            received_at=received_at,
            channel=channel,
            status=Status.REGISTERED,
            issuer_name=issuer_name,
            issuer_organ_id=issuer_organ_id.strip()[:64],
            code=code,
            issued_date=issued_date,
            doc_type=" ".join(doc_type.split())[:100],
            subject=subject,
            signer_name=" ".join(signer_name.split())[:200],
            urgency=urgency,
            urgency_rank=URGENCY_RANK[Urgency(urgency)],
            deadline=deadline,
            page_count=page_count,
            file=stored,
            file_sha256=stored.sha256 if stored else "",
            package=package,
            validation=validation or {},
            sender_document_id=sender_document_id.strip()[:255],
            response_for=response_for.strip()[:255],
            note=note.strip()[:500],
            text_status=TextStatus.PENDING if stored else TextStatus.NONE,
            registered_by=user if getattr(user, "is_authenticated", False) else None,
        )
        log_action(
            "workflows.incoming.registered",
            {
                "number": document.number,
                "year": document.year,
                "channel": channel,
                "issuer": issuer_name,
                "code": code,
                "sha256": document.file_sha256,
                "confirmed_duplicates": [d.pk for d in duplicates],
            },
            user,
            obj=document,
        )
        if channel == Channel.EDXML:  # status 03 to the sender, sent once this registration commits
            # the description is read by the sending agency: Vietnamese whatever the clerk's language
            notify_sender(
                document=document,
                status=StatusCode.REGISTERED,
                description=f"Đã vào sổ văn bản đến số {document.display_number}/{document.year}",
                user=user,
            )
        document_registered.send(sender=IncomingDocument, document=document)  # starts its handling (flows.py)
        if stored is not None:  # OCR or the text layer, in the background: seconds a page, the number is given now
            transaction.on_commit(lambda: recognise_text_task.enqueue(document.pk))
    return document
