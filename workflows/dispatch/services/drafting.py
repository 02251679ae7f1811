"""Writing a draft: starting it, saving it, its attachments (phụ lục), and submitting it to the head of unit."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext as _

from core.audit import log_action
from core.files import store_file
from core.types import User
from core.uploads import UploadRefused, filename_for, identify_document
from workflows.dispatch.drafts import DraftData, RecipientSpec
from workflows.dispatch.errors import DispatchError
from workflows.dispatch.models import (
    DispatchAttachment,
    DispatchProcess,
    DispatchRecipient,
    DispatchRevision,
    DispatchVersion,
    Stage,
)
from workflows.dispatch.services.documents import log_draft, render_draft_preview, staff_profile
from workflows.dispatch.services.steps import require_step
from workflows.incoming import selectors as incoming_selectors
from workflows.incoming.models import IncomingDocument


def _write_draft(process: DispatchProcess, data: DraftData, *, author: User) -> None:
    if data.signer is not None and author is not None and data.signer.pk == author.pk:
        raise DispatchError(_("Người soạn thảo không thể đồng thời là người ký duyệt văn bản."))
    if data.authority_prefix and not data.authority_title.strip():
        raise DispatchError(_("Khi ký thay, hãy ghi chức vụ của người đứng đầu (ví dụ: GIÁM ĐỐC)."))
    data.normalised().write_to(process)


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


def answerable(*, user: User, pk: str) -> IncomingDocument | None:
    """The incoming document `pk` if this user handles it and it is still open (a reply can be started from it)."""
    if not pk.isdigit():
        return None
    document = incoming_selectors.registered().filter(pk=int(pk)).first()
    if document is None or incoming_selectors.opinion_level(user, document) != "handler":
        return None
    return document if document.status in incoming_selectors.OPEN_STATUSES else None


def reply_initial(document: IncomingDocument) -> dict:
    """A reply's draft starts addressed to the issuer, about the same subject, citing the document it answers."""
    cited = f"{document.doc_type} số {document.code}" if document.code else document.doc_type or "văn bản"
    if document.issued_date:
        cited += f" ngày {document.issued_date.strftime('%d/%m/%Y')}"
    return {
        "doc_type": "cong-van",
        "subject": f"V/v trả lời {cited} của {document.issuer_name}"[:500],
        "addressees": document.issuer_name,
        "body": f"Thực hiện {cited} của {document.issuer_name} về việc {document.subject}, ",
    }


def start_draft(
    *, process: DispatchProcess, author: User, data: DraftData, answers: IncomingDocument | None = None
) -> DispatchProcess:
    """Fill a new process (called by the start node before viewflow saves it); `answers`: the incoming document
    this dispatch replies to."""
    _write_draft(process, data, author=author)
    process.answers = answers
    process.author = author
    process.stage = Stage.DRAFTING
    if not process.drafting_unit:
        profile = staff_profile(author)
        process.drafting_unit = profile.unit_abbreviation if profile else ""
    process.save()
    _replace_recipients(process, data.recipients)
    log_action(
        "workflows.dispatch.created",
        {"subject": process.subject, "doc_type": process.doc_type, "answers": process.answers_id},
        author,
        obj=process,
    )
    return process


def draft_changes(*, process: DispatchProcess, data: DraftData) -> bool:
    """Whether saving `data` would change what the process holds (and so what its draft PDF prints)."""
    return DraftData.of(process).normalised().snapshot() != data.normalised().snapshot()


def preview_is_current(process: DispatchProcess) -> bool:
    """Whether the latest draft PDF is of the current version ."""
    latest = process.latest_revision(DispatchRevision.Kind.DRAFT)
    return latest is not None and latest.version == process.version


def save_draft(*, process: DispatchProcess, user: User, data: DraftData) -> DispatchProcess:
    if process.author_id != user.pk:
        raise DispatchError(_("Chỉ người soạn thảo mới sửa được dự thảo này."))
    if process.stage not in (Stage.DRAFTING, Stage.RETURNED):
        raise DispatchError(_("Văn bản đã được trình, không sửa được nữa."))
    require_step(process, user, stages=(Stage.DRAFTING, Stage.RETURNED), permission="can_draft_dispatchprocess")
    _write_draft(process, data, author=user)
    process.save()
    _replace_recipients(process, data.recipients)
    log_action("workflows.dispatch.draft_saved", {"version": process.version}, user, obj=process)
    return process


def add_attachment(
    *, process: DispatchProcess, user: User, data: bytes, filename: str, title: str = ""
) -> DispatchAttachment:
    max_bytes = settings.VANTHU_MAX_UPLOAD_BYTES
    if len(data) > max_bytes:
        raise DispatchError(_("Tệp phụ lục quá lớn (tối đa %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)})
    try:
        kind = identify_document(data)
    except UploadRefused as exc:
        log_action(
            "workflows.dispatch.attachment_refused",
            {"filename": filename[:255], "reason": exc.detail},
            user,
            obj=process,
        )
        raise DispatchError(exc.message, detail=exc.detail) from exc
    filename = filename_for(kind, filename)
    stored = store_file(data, filename=filename, content_type=kind.content_type)
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


def submit_draft(*, process: DispatchProcess, user: User) -> DispatchVersion:
    """The author sends the draft to the head of unit: a draft PDF and a snapshot of the content are kept."""
    if process.author_id != user.pk:
        raise DispatchError(_("Chỉ người soạn thảo mới trình được dự thảo này."))
    require_step(process, user, stages=(Stage.DRAFTING, Stage.RETURNED), permission="can_draft_dispatchprocess")
    if not process.subject or not process.body or process.signer_id is None:
        raise DispatchError(_("Cần có trích yếu, nội dung và người ký trước khi trình."))
    revision = render_draft_preview(process=process, user=user)
    content = DraftData.of(process).snapshot()
    content["attachments"] = [{"title": a.title, "sha256": a.file.sha256} for a in process.attachments.all()]
    version = DispatchVersion.objects.create(
        process=process, number=process.version, content=content, draft=revision, submitted_by=user
    )
    process.stage = Stage.REVIEWING
    process.decision = ""
    process.last_error = ""
    process.save(update_fields=["stage", "decision", "last_error"])
    log_draft(process, revision, user=user, action="workflows.dispatch.submitted")
    return version
