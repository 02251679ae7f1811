"""What templates_docs needs to print a dispatch, and the revisions (PDF + DOCX) it renders."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext as _

from core.audit import log_action
from core.files import store_file
from core.models import StaffProfile
from core.organisation import organisation_info
from core.types import User
from templates_docs.errors import ConversionError, DocumentError
from templates_docs.previews import cached_page_image
from templates_docs.services import RenderedDocument, render_document
from workflows.dispatch.errors import DispatchError
from workflows.dispatch.models import DispatchProcess, DispatchRevision

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def user_label(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def staff_profile(user: AbstractBaseUser | None) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user).first() if user is not None else None


def recipient_lines(process: DispatchProcess) -> list[str]:
    """ "Nơi nhận" as printed: "Như trên" when there are addressees, the recipients, then the archive copy."""
    lines = []
    if process.addressees:
        lines.append("Như trên")
    lines.extend(r.name for r in process.recipients.all())
    unit = process.drafting_unit
    lines.append(f"Lưu: VT, {unit}" if unit else "Lưu: VT")
    return lines


def document_data(process: DispatchProcess, *, verification_url: str = "") -> dict[str, Any]:
    """The plain data templates_docs needs to print this dispatch."""
    profile = staff_profile(process.signer)
    return {
        "number": process.code_number,
        "issued_date": process.issued_date,
        "drafting_unit": process.drafting_unit,
        "subject": process.subject,
        "addressees": list(process.addressees),
        "legal_bases": list(process.legal_bases),
        "body": process.body,
        "signer": {
            "name": user_label(process.signer),
            "title": (profile.title if profile else "").upper(),
            "authority_prefix": process.authority_prefix,
            "authority_title": process.authority_title,
        },
        "recipients": recipient_lines(process),
        "urgency": process.urgency,
        "verification_url": verification_url,
    }


def render(process: DispatchProcess, *, draft: bool, verification_url: str = "") -> RenderedDocument:
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


def store_revision(
    process: DispatchProcess,
    *,
    kind: str,
    pdf: bytes,
    user: User | None,
    docx: bytes | None = None,
    previous: DispatchRevision | None = None,
    rendered: RenderedDocument | None = None,
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


def render_draft_preview(*, process: DispatchProcess, user: User) -> DispatchRevision:
    """Render the draft with the DỰ THẢO mark. Storing the same bytes twice keeps one file."""
    rendered = render(process, draft=True)
    revision = store_revision(
        process, kind=DispatchRevision.Kind.DRAFT, pdf=rendered.pdf, docx=rendered.docx, user=user, rendered=rendered
    )
    log_draft(process, revision, user=user, action="workflows.dispatch.draft_rendered")
    return revision


def log_draft(process: DispatchProcess, revision: DispatchRevision, *, user: User, action: str) -> None:
    """Audit a step on the draft: its version and the hash of the draft PDF it produced."""
    log_action(action, {"version": process.version, "sha256": revision.pdf.sha256}, user, obj=process)


def page_numbers(revision: DispatchRevision) -> list[int]:
    """The pages a revision's preview shows (a revision stored before page counts were kept shows its first)."""
    return list(range(1, max(revision.page_count, 1) + 1))


def revision_page_image(*, revision: DispatchRevision, page: int) -> bytes:
    """Page `page` of the revision's PDF as a PNG, rendered once per PDF hash and page, then cached."""
    if page not in page_numbers(revision):
        raise DispatchError(_("Văn bản không có trang %(page)s.") % {"page": page})
    try:
        return cached_page_image(sha256=revision.pdf.sha256, read=revision.pdf.read, page=page)
    except ConversionError as exc:
        raise DispatchError(_("Không tạo được hình trang văn bản."), detail=str(exc)) from exc
