"""Business rules of the dispatch process. Views, flow nodes, the demo loader and tests all call these.

Every function that changes state writes one audit entry (`workflows.dispatch.<what>`). Rendering and signing are
done by `templates_docs` and `signing`; a failure there raises `DispatchError` with a Vietnamese message and
leaves the process exactly as it was (the surrounding transaction rolls back), so the step can be retried.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import publish_directive
from core.audit import log_action
from core.files import store_file
from core.models import StaffProfile, StoredFile
from core.organisation import organisation_info
from signing.errors import SigningError
from signing.models import SigningKey
from signing.services import (
    finish_external_signature,
    key_id_for_user,
    new_verification_code,
    prepare_external_signature,
    record_issued_revision,
    sign_pdf,
    verification_url,
)
from templates_docs.doctypes import get_type
from templates_docs.errors import ConversionError, DocumentError
from templates_docs.names import agency_in_text
from templates_docs.services import register_outgoing, render_document

from .models import (
    DispatchAttachment,
    DispatchComment,
    DispatchProcess,
    DispatchRecipient,
    DispatchRevision,
    DispatchVersion,
    ExternalSignature,
    Stage,
)

logger = logging.getLogger(__name__)

APPROVED = DispatchComment.Decision.APPROVE.value
RETURNED = DispatchComment.Decision.RETURN.value
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DispatchError(Exception):
    """A step could not be completed. `message` is for the user (Vietnamese); nothing was changed."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message


# --- content ----------------------------------------------------------------------------------------------------


@dataclass
class RecipientSpec:
    kind: str
    name: str
    unit_abbreviation: str = ""
    carrier_id: int | None = None
    organ_id: str = ""
    email: str = ""


@dataclass
class DraftData:
    doc_type: str
    subject: str
    body: str
    signer: Any
    addressees: list[str] = dataclasses.field(default_factory=list)
    legal_bases: list[str] = dataclasses.field(default_factory=list)
    urgency: str = ""
    authority_prefix: str = ""
    authority_title: str = ""
    drafting_unit: str = ""
    is_public: bool = False
    field: str = "Bưu chính"
    recipients: list[RecipientSpec] = dataclasses.field(default_factory=list)


def _user_label(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _profile(user) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user).first() if user is not None else None


def _content_snapshot(process: DispatchProcess) -> dict[str, Any]:
    return {
        "doc_type": process.doc_type,
        "subject": process.subject,
        "addressees": list(process.addressees),
        "legal_bases": list(process.legal_bases),
        "body": process.body,
        "urgency": process.urgency,
        "signer": process.signer_id,
        "authority_prefix": process.authority_prefix,
        "authority_title": process.authority_title,
        "drafting_unit": process.drafting_unit,
        "is_public": process.is_public,
        "recipients": [
            {"kind": r.kind, "name": r.name, "carrier": r.carrier_id, "organ_id": r.organ_id, "email": r.email}
            for r in process.recipients.all()
        ],
        "attachments": [{"title": a.title, "sha256": a.file.sha256} for a in process.attachments.all()],
    }


def _apply_draft_data(process: DispatchProcess, data: DraftData) -> None:
    process.doc_type = data.doc_type
    process.subject = data.subject.strip()
    process.body = data.body.strip()
    process.addressees = [a.strip() for a in data.addressees if a.strip()]
    process.legal_bases = [b.strip() for b in data.legal_bases if b.strip()]
    process.urgency = data.urgency
    process.signer = data.signer
    process.authority_prefix = data.authority_prefix
    process.authority_title = data.authority_title.strip().upper()
    process.drafting_unit = data.drafting_unit
    process.is_public = data.is_public
    process.field = data.field


def _replace_recipients(process: DispatchProcess, specs: Sequence[RecipientSpec]) -> None:
    process.recipients.all().delete()
    DispatchRecipient.objects.bulk_create(
        DispatchRecipient(
            process=process,
            kind=spec.kind,
            name=spec.name[:255],
            unit_abbreviation=spec.unit_abbreviation,
            carrier_id=spec.carrier_id,
            organ_id=spec.organ_id,
            email=spec.email,
        )
        for spec in specs
    )


def _check_draft(data: DraftData, *, author) -> None:
    if data.signer is not None and author is not None and data.signer.pk == author.pk:
        raise DispatchError(_("Người soạn thảo không thể đồng thời là người ký duyệt văn bản."))
    if data.authority_prefix and not data.authority_title.strip():
        raise DispatchError(_("Khi ký thay, hãy ghi chức vụ của người đứng đầu (ví dụ: GIÁM ĐỐC)."))


def start_draft(*, process: DispatchProcess, author, data: DraftData) -> DispatchProcess:
    """Fill a new process (called by the start node before viewflow saves it)."""
    _check_draft(data, author=author)
    _apply_draft_data(process, data)
    process.author = author
    process.stage = Stage.DRAFTING
    if not process.drafting_unit:
        profile = _profile(author)
        process.drafting_unit = profile.unit_abbreviation if profile else ""
    process.save()
    _replace_recipients(process, data.recipients)
    log_action(
        "workflows.dispatch.created", {"subject": process.subject, "doc_type": process.doc_type}, author, obj=process
    )
    return process


def save_draft(*, process: DispatchProcess, user, data: DraftData) -> DispatchProcess:
    if process.author_id != user.pk:
        raise DispatchError(_("Chỉ người soạn thảo mới sửa được dự thảo này."))
    if process.stage not in (Stage.DRAFTING, Stage.RETURNED):
        raise DispatchError(_("Văn bản đã được trình, không sửa được nữa."))
    _check_draft(data, author=user)
    _apply_draft_data(process, data)
    process.save()
    _replace_recipients(process, data.recipients)
    log_action("workflows.dispatch.draft_saved", {"version": process.version}, user, obj=process)
    return process


def add_attachment(
    *, process: DispatchProcess, user, data: bytes, filename: str, title: str = ""
) -> DispatchAttachment:
    max_bytes = settings.VANTHU_MAX_UPLOAD_BYTES
    if len(data) > max_bytes:
        raise DispatchError(_("Tệp phụ lục quá lớn (tối đa %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)})
    stored = store_file(data, filename=filename)
    attachment = DispatchAttachment.objects.create(
        process=process, title=(title or filename)[:255], file=stored, uploaded_by=user
    )
    log_action(
        "workflows.dispatch.attachment_added",
        {"title": attachment.title, "sha256": stored.sha256, "size": stored.size},
        user,
        obj=process,
    )
    return attachment


def remove_attachment(*, attachment: DispatchAttachment, user) -> None:
    process = attachment.process
    if process.stage not in (Stage.DRAFTING, Stage.RETURNED) or process.author_id != user.pk:
        raise DispatchError(_("Không xóa được phụ lục ở bước này."))
    log_action(
        "workflows.dispatch.attachment_removed",
        {"title": attachment.title, "sha256": attachment.file.sha256},
        user,
        obj=process,
    )
    attachment.delete()


# --- rendering --------------------------------------------------------------------------------------------------


def _recipient_lines(process: DispatchProcess) -> list[str]:
    lines = []
    if process.addressees:
        lines.append("Như trên")
    lines.extend(r.name for r in process.recipients.all())
    unit = process.drafting_unit
    lines.append(f"Lưu: VT, {unit}" if unit else "Lưu: VT")
    return lines


def document_data(process: DispatchProcess, *, verification_url: str = "") -> dict[str, Any]:
    """The plain data templates_docs needs to print this dispatch."""
    profile = _profile(process.signer)
    return {
        "number": process.code_number,
        "issued_date": process.issued_date,
        "drafting_unit": process.drafting_unit,
        "subject": process.subject,
        "addressees": list(process.addressees),
        "legal_bases": list(process.legal_bases),
        "body": process.body,
        "signer": {
            "name": _user_label(process.signer),
            "title": (profile.title if profile else "").upper(),
            "authority_prefix": process.authority_prefix,
            "authority_title": process.authority_title,
        },
        "recipients": _recipient_lines(process),
        "urgency": process.urgency,
        "verification_url": verification_url,
    }


def _render(process: DispatchProcess, *, draft: bool, verification_url: str = ""):

    try:
        return render_document(
            doc_type=process.doc_type,
            data=document_data(process, verification_url=verification_url),
            organisation=organisation_info(),
            draft=draft,
        )
    except ConversionError as exc:
        logger.warning("Rendering dispatch %s failed: %s", process.pk, exc)
        raise DispatchError(
            _("Không chuyển được văn bản sang PDF (dịch vụ LibreOffice không phản hồi). Vui lòng thử lại."),
            detail=str(exc),
        ) from exc
    except DocumentError as exc:
        logger.warning("Rendering dispatch %s refused: %s", process.pk, exc)
        message = getattr(exc, "message", "") or str(exc)
        raise DispatchError(_("Không tạo được văn bản: %(reason)s") % {"reason": message}, detail=str(exc)) from exc


def _store_revision(
    process: DispatchProcess, *, kind: str, pdf: bytes, user, docx: bytes | None = None, previous=None, rendered=None
) -> DispatchRevision:
    slug = process.number.replace("/", "-") if process.number else f"du-thao-{process.pk}-v{process.version}"
    pdf_file = store_file(pdf, filename=f"{slug}-{kind}.pdf", content_type=PDF)
    docx_file = store_file(docx, filename=f"{slug}.docx", content_type=DOCX) if docx else None
    return DispatchRevision.objects.create(
        process=process,
        kind=kind,
        version=process.version,
        pdf=pdf_file,
        docx=docx_file,
        previous=previous,
        template_version=getattr(rendered, "template_version", "") or "",
        page_count=getattr(rendered, "page_count", 0) or 0,
        created_by=user,
    )


def render_draft_preview(*, process: DispatchProcess, user) -> DispatchRevision:
    """Render the draft with the DỰ THẢO mark. Storing the same bytes twice keeps one file."""
    rendered = _render(process, draft=True)
    revision = _store_revision(
        process, kind=DispatchRevision.Kind.DRAFT, pdf=rendered.pdf, docx=rendered.docx, user=user, rendered=rendered
    )
    log_action(
        "workflows.dispatch.draft_rendered",
        {"version": process.version, "sha256": revision.pdf.sha256},
        user,
        obj=process,
    )
    return revision


# --- draft, review, approve -------------------------------------------------------------------------------------


def submit_draft(*, process: DispatchProcess, user) -> DispatchVersion:
    """The author sends the draft to the head of unit: a draft PDF and a snapshot of the content are kept."""
    if process.author_id != user.pk:
        raise DispatchError(_("Chỉ người soạn thảo mới trình được dự thảo này."))
    if not process.subject or not process.body or process.signer_id is None:
        raise DispatchError(_("Cần có trích yếu, nội dung và người ký trước khi trình."))
    revision = render_draft_preview(process=process, user=user)
    version = DispatchVersion.objects.create(
        process=process,
        number=process.version,
        content=_content_snapshot(process),
        draft=revision,
        submitted_by=user,
    )
    process.stage = Stage.REVIEWING
    process.decision = ""
    process.last_error = ""
    process.save(update_fields=["stage", "decision", "last_error"])
    log_action(
        "workflows.dispatch.submitted",
        {"version": process.version, "sha256": revision.pdf.sha256},
        user,
        obj=process,
    )
    return version


def _decide(*, process: DispatchProcess, user, step: str, decision: str, comment: str) -> DispatchComment:
    if process.author_id == user.pk:
        raise DispatchError(_("Người soạn thảo không được tự duyệt dự thảo của mình."))
    if decision not in (APPROVED, RETURNED):
        raise DispatchError(_("Quyết định không hợp lệ."))
    comment = comment.strip()
    if decision == RETURNED and not comment:
        raise DispatchError(_("Khi trả lại, hãy ghi rõ ý kiến để người soạn thảo sửa."))
    record = DispatchComment.objects.create(
        process=process, step=step, version=process.version, decision=decision, text=comment, author=user
    )
    process.decision = decision
    if decision == RETURNED:
        process.stage = Stage.RETURNED
        process.version += 1
    else:
        process.stage = Stage.APPROVING if step == "review" else Stage.NUMBERING
    process.save(update_fields=["decision", "stage", "version"])
    log_action(
        f"workflows.dispatch.{step}_{'approved' if decision == APPROVED else 'returned'}",
        {"version": record.version, "comment": comment},
        user,
        obj=process,
    )
    return record


def review_dispatch(*, process: DispatchProcess, user, decision: str, comment: str = "") -> DispatchComment:
    return _decide(process=process, user=user, step="review", decision=decision, comment=comment)


def approve_dispatch(*, process: DispatchProcess, user, decision: str, comment: str = "") -> DispatchComment:
    if process.signer_id is not None and process.signer_id != user.pk:
        raise DispatchError(_("Chỉ lãnh đạo được giao ký mới duyệt được văn bản này."))
    return _decide(process=process, user=user, step="approve", decision=decision, comment=comment)


# --- number, sign, seal -----------------------------------------------------------------------------------------


def _locked(process: DispatchProcess) -> DispatchProcess:
    return DispatchProcess.objects.select_for_update().get(pk=process.pk)


def number_dispatch(*, process: DispatchProcess, user, issued_date: datetime.date | None = None) -> DispatchRevision:
    """Take the next number of the register, record the issue date and render the final document, all at once.

    One transaction: if rendering fails the number is given back (the register stays gap-free) and the task
    stays with the clerk. Numbering an already numbered dispatch returns its final revision unchanged.
    """

    with _failure_recorded(process, user, "number"), transaction.atomic():
        locked = _locked(process)
        if locked.number:
            existing = locked.latest_revision(DispatchRevision.Kind.FINAL)
            if existing is not None:
                return existing
        issued = issued_date or timezone.localdate()
        org = organisation_info()
        entry = register_outgoing(
            doc_type=locked.doc_type,
            issued_date=issued,
            agency_abbreviation=org["abbreviation"],
            drafting_unit=locked.drafting_unit,
            subject=locked.subject,
            signer_name=_user_label(locked.signer),
            recipients=_recipient_lines(locked),
            copies=1,
        )
        locked.number = entry.code
        locked.code_number = entry.number
        locked.issued_date = issued
        locked.register_entry = str(entry.pk)
        locked.verification_code = new_verification_code()
        rendered = _render(locked, draft=False, verification_url=verification_url(locked.verification_code))
        page_index, box = rendered.signature_box
        locked.signature_page = page_index
        locked.signature_box = list(box)
        locked.stage = Stage.SIGNING
        locked.last_error = ""
        locked.save()
        revision = _store_revision(
            locked,
            kind=DispatchRevision.Kind.FINAL,
            pdf=rendered.pdf,
            docx=rendered.docx,
            user=user,
            rendered=rendered,
        )
        log_action(
            "workflows.dispatch.numbered",
            {
                "number": locked.number,
                "issued_date": issued,
                "sha256": revision.pdf.sha256,
                "docx_sha256": revision.docx.sha256 if revision.docx else "",
            },
            user,
            obj=locked,
        )
    _refresh(process, locked)
    return revision


def _refresh(process: DispatchProcess, source: DispatchProcess) -> None:
    """Copy the committed state onto the caller's instance (the flow keeps using it)."""
    for f in DispatchProcess._meta.concrete_fields:
        if not f.primary_key:
            setattr(process, f.attname, getattr(source, f.attname))


def seal_box(box: Sequence[float]) -> tuple[float, float, float, float]:
    """A square as tall as the signature box, centred on its left third (ND30: the seal covers that third)."""
    x1, y1, x2, y2 = box
    side = y2 - y1
    centre = x1 + (x2 - x1) / 6
    return (centre - side / 2, y1, centre + side / 2, y2)


def _signing_failed(exc: Exception) -> DispatchError:
    message = getattr(exc, "user_message", "") or _("Không ký được văn bản.")
    return DispatchError(message, detail=str(exc))


@contextmanager
def _failure_recorded(process: DispatchProcess, user, step: str):
    """Run a step; if it fails, keep the message on the process and in the audit log, then re-raise.

    Used outside the step's own transaction, so the failure record survives the rollback of the step.
    """
    try:
        yield
    except DispatchError as exc:
        DispatchProcess.objects.filter(pk=process.pk).update(last_error=exc.message)
        process.last_error = exc.message
        log_action(f"workflows.dispatch.{step}_failed", {"error": str(exc)[:500]}, user, obj=process)
        raise


def sign_dispatch(*, process: DispatchProcess, user) -> DispatchRevision:
    """The leader's own signature (PAdES B-T, signature image in the signature box) on the final PDF."""

    if process.signer_id != user.pk:
        raise DispatchError(_("Chỉ lãnh đạo được giao ký mới ký được văn bản này."))
    with _failure_recorded(process, user, "sign"), transaction.atomic():
        locked = _locked(process)
        done = locked.latest_revision(DispatchRevision.Kind.SIGNED)
        if done is not None:
            return done
        base = locked.latest_revision(DispatchRevision.Kind.FINAL)
        if base is None:
            raise DispatchError(_("Văn bản chưa được cấp số."))
        key_id = key_id_for_user(user)
        if key_id is None:
            raise DispatchError(_("Bạn chưa có khóa ký số trong hệ thống. Hãy dùng cách ký hai bước bằng thiết bị ký."))
        try:
            signed = sign_pdf(
                base.pdf.read(),
                key_id=key_id,
                level=settings.VANTHU_DISPATCH_SIGN_LEVEL,
                appearance="signature",
                page=locked.signature_page,
                box=tuple(locked.signature_box) if locked.signature_box else None,
            )
        except SigningError as exc:
            raise _signing_failed(exc) from exc
        return _record_signature(locked, process, user=user, base=base, pdf=signed, step="signed")


def _record_signature(
    locked: DispatchProcess, process: DispatchProcess, *, user, base: DispatchRevision, pdf: bytes, step: str
) -> DispatchRevision:
    kind = DispatchRevision.Kind.SIGNED if step == "signed" else DispatchRevision.Kind.SEALED
    revision = _store_revision(locked, kind=kind, pdf=pdf, user=user, previous=base)
    locked.stage = Stage.SEALING if step == "signed" else Stage.SENDING
    locked.last_error = ""
    locked.save(update_fields=["stage", "last_error"])
    log_action(
        f"workflows.dispatch.{step}",
        {"number": locked.number, "sha256": revision.pdf.sha256, "previous_sha256": base.pdf.sha256},
        user,
        obj=locked,
    )
    _refresh(process, locked)
    return revision


def prepare_external_signing(*, process: DispatchProcess, user, certificate_der: bytes) -> ExternalSignature:
    """Two-step signing for a key on a token: prepare the PDF and return what the token must sign."""

    if process.signer_id != user.pk:
        raise DispatchError(_("Chỉ lãnh đạo được giao ký mới ký được văn bản này."))
    base = process.latest_revision(DispatchRevision.Kind.FINAL)
    if base is None:
        raise DispatchError(_("Văn bản chưa được cấp số."))
    try:
        # The signer's signature image comes from their key record (a token key is registered with one); without
        # an image the box gets the signer's name and the signing time as text.
        image = (
            SigningKey.objects.filter(owner=user, is_active=True)
            .exclude(signature_image="")
            .values_list("signature_image", flat=True)
            .first()
        )
        state = prepare_external_signature(
            base.pdf.read(),
            certificate_der=certificate_der,
            level=settings.VANTHU_DISPATCH_SIGN_LEVEL,
            appearance="signature" if image else "text",
            signature_image=image or "",
            page=process.signature_page,
            box=tuple(process.signature_box) if process.signature_box else None,
        )
    except SigningError as exc:
        raise _signing_failed(exc) from exc
    external = ExternalSignature.objects.create(process=process, state=_to_json(state), created_by=user)
    log_action("workflows.dispatch.external_sign_prepared", {"external": external.pk}, user, obj=process)
    return external


def finish_external_signing(
    *, process: DispatchProcess, external: ExternalSignature, user, signature_value: bytes
) -> DispatchRevision:

    if external.created_by_id != user.pk or external.process_id != process.pk or external.finished_at:
        raise DispatchError(_("Phiên ký không hợp lệ hoặc đã kết thúc."))
    with _failure_recorded(process, user, "sign"), transaction.atomic():
        locked = _locked(process)
        done = locked.latest_revision(DispatchRevision.Kind.SIGNED)
        if done is not None:
            return done
        base = locked.latest_revision(DispatchRevision.Kind.FINAL)
        try:
            signed = finish_external_signature(state=_from_json(external.state), signature_value=signature_value)
        except SigningError as exc:
            raise _signing_failed(exc) from exc
        external.finished_at = timezone.now()
        external.save(update_fields=["finished_at"])
        return _record_signature(locked, process, user=user, base=base, pdf=signed, step="signed")


def _to_json(value: Any) -> Any:
    import base64

    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    import base64

    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def seal_dispatch(*, process: DispatchProcess, user) -> DispatchRevision:
    """The organisation's signature with the seal image (PAdES B-LT) over the leader's signature."""

    with _failure_recorded(process, user, "seal"), transaction.atomic():
        locked = _locked(process)
        done = locked.latest_revision(DispatchRevision.Kind.SEALED)
        if done is not None:
            return done
        base = locked.latest_revision(DispatchRevision.Kind.SIGNED)
        if base is None:
            raise DispatchError(_("Lãnh đạo chưa ký văn bản này."))
        try:
            sealed = sign_pdf(
                base.pdf.read(),
                key_id=settings.VANTHU_DISPATCH_SEAL_KEY,
                level=settings.VANTHU_DISPATCH_SEAL_LEVEL,
                appearance="seal",
                page=locked.signature_page,
                box=seal_box(locked.signature_box) if locked.signature_box else None,
            )
        except SigningError as exc:
            raise _signing_failed(exc) from exc
        revision = _record_signature(locked, process, user=user, base=base, pdf=sealed, step="sealed")
        record_issued_revision(
            code=locked.verification_code,
            pdf=sealed,
            number=locked.number,
            subject=locked.subject,
            issuer=organisation_info()["agency"],
            issued_date=locked.issued_date,
            kind="dispatch",
        )
    return revision


# --- send, receipts, publish ------------------------------------------------------------------------------------


def internal_users_of_unit(abbreviation: str):
    User = get_user_model()
    return User.objects.filter(staff_profile__unit_abbreviation=abbreviation, is_active=True)


def recipient_users(recipient: DispatchRecipient):
    """The accounts that see a recipient's copy in their in-app inbox."""
    User = get_user_model()
    if recipient.kind == DispatchRecipient.Kind.CARRIER and recipient.carrier_id:
        return recipient.carrier.users.filter(is_active=True)
    if recipient.kind == DispatchRecipient.Kind.UNIT and recipient.unit_abbreviation:
        return internal_users_of_unit(recipient.unit_abbreviation)
    return User.objects.none()


def _notification_emails(recipient: DispatchRecipient) -> list[str]:
    emails = {u.email for u in recipient_users(recipient) if u.email}
    if recipient.email:
        emails.add(recipient.email)
    if recipient.kind == DispatchRecipient.Kind.CARRIER and recipient.carrier_id and recipient.carrier.email:
        emails.add(recipient.carrier.email)
    return sorted(emails)


def send_dispatch(*, process: DispatchProcess, user) -> list[DispatchRecipient]:
    """Deliver to every recipient: in-app inbox, an e-mail with a link (after commit), edXML for other agencies."""
    with transaction.atomic():
        locked = _locked(process)
        if locked.sent_at is not None:
            return list(locked.recipients.all())
        issued = locked.latest_revision(DispatchRevision.Kind.SEALED)
        if issued is None:
            raise DispatchError(_("Văn bản chưa được ký số và đóng dấu, chưa phát hành được."))
        now = timezone.now()
        recipients = list(locked.recipients.select_related("carrier"))
        mails: list[tuple[str, list[str]]] = []
        for recipient in recipients:
            if recipient.kind == DispatchRecipient.Kind.TEXT:
                continue
            recipient.delivered_at = now
            recipient.save(update_fields=["delivered_at"])
            emails = _notification_emails(recipient)
            if emails:
                mails.append((reverse("dispatch:inbox_item", args=[recipient.pk]), emails))
        locked.sent_at = now
        locked.stage = Stage.SENT
        locked.save(update_fields=["sent_at", "stage"])
        log_action(
            "workflows.dispatch.sent",
            {
                "number": locked.number,
                "sha256": issued.pdf.sha256,
                "recipients": [r.name for r in recipients],
            },
            user,
            obj=locked,
        )
        subject = _("[vanthu] Văn bản số %(number)s: %(subject)s") % {
            "number": locked.number,
            "subject": locked.subject[:120],
        }

        def _mail() -> None:
            org = organisation_info()
            for path, emails in mails:
                text = _(
                    "Quý cơ quan/đơn vị nhận được văn bản số %(number)s ngày %(date)s của %(agency)s.\n"
                    "Trích yếu: %(subject)s\n\nXem, tải văn bản và xác nhận đã nhận tại: %(url)s\n"
                ) % {
                    "number": locked.number,
                    "date": locked.issued_date.strftime("%d/%m/%Y") if locked.issued_date else "",
                    "agency": agency_in_text(org["agency"], place=org["place"]),
                    "subject": locked.subject,
                    "url": settings.SITE_URL.rstrip("/") + path,
                }
                try:
                    send_mail(subject, text, None, emails)
                except Exception:  # mail failure must not undo an issued dispatch; the inbox still has it
                    logger.exception("Sending notification mail for dispatch %s failed", locked.pk)

        transaction.on_commit(_mail)
    _refresh(process, locked)
    return recipients


def publish_dispatch(*, process: DispatchProcess) -> None:
    """Put a public dispatch into the site's directives library (called by the flow's publish node)."""

    if process.published_at is not None:
        return
    issued = process.latest_revision(DispatchRevision.Kind.SEALED)
    signer_profile = _profile(process.signer)

    publish_directive(
        source_key=f"dispatch:{process.pk}",
        number=process.number,
        title=process.subject,
        subject=process.subject,
        doc_type=process.doc_type,
        doc_type_name=get_type(process.doc_type).name,
        issued_date=process.issued_date,
        issuer=organisation_info()["agency"],
        signer_name=_user_label(process.signer),
        signer_title=" ".join(part for part in (process.authority_prefix, process.authority_title) if part).strip()
        or (signer_profile.title if signer_profile else ""),
        body=process.body,
        pdf=issued.pdf.read(),
        pdf_filename=f"{process.number.replace('/', '-')}.pdf",
        field=process.field,
        verification_url=verification_url(process.verification_code) if process.verification_code else "",
    )
    process.published_at = timezone.now()
    DispatchProcess.objects.filter(pk=process.pk).update(published_at=process.published_at)
    log_action("workflows.dispatch.published", {"number": process.number}, None, obj=process)


def mark_opened(*, recipient: DispatchRecipient, user) -> None:
    if recipient.opened_at is None:
        recipient.opened_at = timezone.now()
        recipient.opened_by = user
        recipient.save(update_fields=["opened_at", "opened_by"])
        log_action("workflows.dispatch.opened", {"recipient": recipient.name}, user, obj=recipient.process)


def acknowledge(*, recipient: DispatchRecipient, user) -> None:
    mark_opened(recipient=recipient, user=user)
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = timezone.now()
        recipient.acknowledged_by = user
        recipient.save(update_fields=["acknowledged_at", "acknowledged_by"])
        log_action("workflows.dispatch.acknowledged", {"recipient": recipient.name}, user, obj=recipient.process)


def record_download(*, process: DispatchProcess, revision: DispatchRevision | StoredFile, user) -> None:
    sha = revision.pdf.sha256 if isinstance(revision, DispatchRevision) else revision.sha256
    log_action("workflows.dispatch.downloaded", {"sha256": sha}, user, obj=process)


# --- reminders --------------------------------------------------------------------------------------------------


def remind_overdue(*, now: datetime.datetime | None = None) -> int:
    """E-mail the assignee (or everyone who may take it) of each overdue task, once per task."""
    from .selectors import open_dispatch_tasks, task_deadline

    now = now or timezone.now()
    sent = 0
    for task in open_dispatch_tasks():
        deadline = task_deadline(task)
        if deadline is None or deadline > now or task.data.get("reminded_at"):
            continue
        users: Iterable = [task.owner] if task.owner_id else _queue_users(task.owner_permission)
        emails = sorted({u.email for u in users if u and u.email})
        process = task.process.coerced
        if emails:
            send_mail(
                _("[vanthu] Quá hạn xử lý: %(subject)s") % {"subject": process.subject[:120]},
                _('Việc "%(task)s" cho văn bản "%(subject)s" đã quá hạn từ %(deadline)s.\n%(url)s\n')
                % {
                    "task": task.flow_task.task_title,
                    "subject": process.subject,
                    "deadline": timezone.localtime(deadline).strftime("%H:%M %d/%m/%Y"),
                    "url": settings.SITE_URL.rstrip("/") + reverse("dispatch:tasks"),
                },
                None,
                emails,
            )
        task.data["reminded_at"] = now.isoformat()
        task.save(update_fields=["data"])
        log_action(
            "workflows.dispatch.reminded",
            {"task": task.flow_task.name, "emails": emails, "deadline": deadline},
            None,
            obj=process,
        )
        sent += 1
    return sent


def _queue_users(permission: str | None):
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    User = get_user_model()
    if not permission:
        return []
    app_label, codename = permission.split(".", 1)
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if perm is None:
        return []
    return User.objects.filter(Q(groups__permissions=perm) | Q(user_permissions=perm), is_active=True).distinct()


__all__ = [
    "APPROVED",
    "RETURNED",
    "DispatchError",
    "DraftData",
    "RecipientSpec",
]
