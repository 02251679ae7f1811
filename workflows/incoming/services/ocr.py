"""The text of an incoming document: a paper scan becomes a searchable PDF (OCRmyPDF, Tesseract's Vietnamese
data); an electronic PDF gives the text of its own text layer.

A scan is checked when it is uploaded (`check_scan`: a PDF or a JPEG/PNG/TIFF image, at least
`VANTHU_OCR_MIN_DPI`, at most `VANTHU_OCR_MAX_PAGES` pages), registered at once, and recognised afterwards in a
background task (`recognise_text_task`): a page costs seconds of both cores, the số đến must not wait for it. The
scan itself stays the document's file (evidence, its SHA-256 is the duplicate check's); the searchable PDF is a new
stored file next to it.

A signed PDF is never given to OCRmyPDF (it would rewrite the file and break the signature): only its text layer
is read, and its bytes are left exactly as received.
"""

from __future__ import annotations

import io
import logging
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import ocrmypdf
import pikepdf
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task
from PIL import Image, UnidentifiedImageError

from core.audit import log_action
from core.files import store_file
from core.text import fold

from ..errors import IncomingError
from ..models import Channel, IncomingDocument, TextStatus

logger = logging.getLogger(__name__)

PDF = "application/pdf"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff"}
LANGUAGES = ["vie"]
_TEXT_TIMEOUT = 60

__all__ = [
    "IMAGE_TYPES",
    "Recognition",
    "ScanCheck",
    "check_scan",
    "extract_text",
    "is_signed_pdf",
    "make_searchable",
    "recognise_text",
    "recognise_text_task",
]


@dataclass(frozen=True)
class ScanCheck:
    pages: int
    dpi: int | None  # the lowest resolution of a scanned page; None when no page is an image to recognise
    signed: bool = False


@dataclass(frozen=True)
class Recognition:
    text: str
    pdf: bytes | None  # the searchable PDF; None when the file was only read (a signed or text PDF)
    pages: int
    seconds: float


def is_signed_pdf(data: bytes) -> bool:
    """Whether the PDF carries a signature (or a document time-stamp): the AcroForm says signatures exist, or a
    signature field has a value. An unreadable PDF is not signed (OCRmyPDF will refuse it)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            acroform = pdf.Root.get("/AcroForm")
            if acroform is None:
                return False
            if int(acroform.get("/SigFlags", 0)) & 1:
                return True
            pending = list(acroform.get("/Fields", []))
            seen = 0
            while pending and seen < 10_000:
                field = pending.pop()
                seen += 1
                if field.get("/FT") == pikepdf.Name.Sig and field.get("/V") is not None:
                    return True
                pending.extend(field.get("/Kids", []))
    except (pikepdf.PdfError, ValueError, TypeError):
        return False
    return False


def _refuse_low_dpi(dpi: float, *, page: int | None = None) -> None:
    required = settings.VANTHU_OCR_MIN_DPI
    if round(dpi) >= required:
        return
    where = _(" (trang %(page)s)") % {"page": page} if page else ""
    raise IncomingError(
        _(
            "Bản quét có độ phân giải %(found)s dpi%(where)s, thấp hơn mức tối thiểu %(required)s dpi để nhận dạng "
            "chữ. Vui lòng quét lại ở %(required)s dpi trở lên (nên dùng 300 dpi)."
        )
        % {"found": round(dpi), "where": where, "required": required},
        detail=f"scan at {dpi:.0f} dpi{f' (page {page})' if page else ''}, {required} required",
    )


def _too_many_pages(pages: int) -> None:
    limit = settings.VANTHU_OCR_MAX_PAGES
    if pages > limit:
        raise IncomingError(
            _("Bản quét có %(pages)s trang, nhiều hơn giới hạn %(limit)s trang. Vui lòng chia thành nhiều tệp.")
            % {"pages": pages, "limit": limit},
            detail=f"scan of {pages} pages, limit {limit}",
        )


def _image_check(data: bytes) -> ScanCheck:
    try:
        with Image.open(io.BytesIO(data)) as image:
            dpi = image.info.get("dpi")
            pages = getattr(image, "n_frames", 1)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise IncomingError(_("Không đọc được ảnh quét."), detail=f"unreadable image: {exc}") from exc
    _too_many_pages(pages)
    if not dpi or not all(float(v) > 0 for v in dpi):
        raise IncomingError(
            _(
                "Ảnh quét không ghi độ phân giải (dpi), nên không biết khổ trang. Vui lòng quét lại ở "
                "%(required)s dpi trở lên."
            )
            % {"required": settings.VANTHU_OCR_MIN_DPI},
            detail="image without a resolution",
        )
    found = min(float(v) for v in dpi)
    _refuse_low_dpi(found)
    return ScanCheck(pages=pages, dpi=round(found))


def _pdf_check(data: bytes) -> ScanCheck:
    if is_signed_pdf(data):  # never rewritten: nothing to check for OCR
        return ScanCheck(pages=0, dpi=None, signed=True)
    from ocrmypdf.pdfinfo import PdfInfo

    with tempfile.TemporaryDirectory(prefix="vanthu-scan-") as tmp:
        path = Path(tmp) / "scan.pdf"
        path.write_bytes(data)
        try:
            with pikepdf.open(path) as pdf:
                pages = len(pdf.pages)
            _too_many_pages(pages)
            info = PdfInfo(path, progbar=False, max_workers=1)
        except (pikepdf.PdfError, ocrmypdf.exceptions.InputFileError, ValueError) as exc:
            raise IncomingError(_("Không đọc được tệp PDF của bản quét."), detail=f"unreadable PDF: {exc}") from exc
    lowest: tuple[float, int] | None = None
    for number, page in enumerate(info.pages, start=1):
        if page is None or page.has_text:  # a page with text is not recognised again
            continue
        for image in page.images:
            dpi = min(float(image.dpi.x), float(image.dpi.y))
            if dpi > 0 and (lowest is None or dpi < lowest[0]):
                lowest = (dpi, number)
    if lowest is not None:
        _refuse_low_dpi(lowest[0], page=lowest[1])
    return ScanCheck(pages=pages, dpi=round(lowest[0]) if lowest else None)


def check_scan(*, data: bytes, content_type: str) -> ScanCheck:
    """Refuse (IncomingError, Vietnamese) a scan OCR cannot read well: unreadable, under the minimum dpi, too many
    pages. An image must say its resolution; a PDF is measured on its pages without text."""
    if content_type in IMAGE_TYPES:
        return _image_check(data)
    if content_type == PDF:
        return _pdf_check(data)
    raise IncomingError(_("Bản quét phải là tệp PDF hoặc ảnh JPEG, PNG, TIFF."), detail=f"scan of type {content_type}")


def extract_text(data: bytes) -> str:
    """The text layer of a PDF (poppler's pdftotext), read without changing the file."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, timeout=_TEXT_TIMEOUT, check=False
    )
    if result.returncode != 0:
        raise IncomingError(_("Không đọc được chữ trong tệp PDF."), detail=result.stderr.decode(errors="replace")[:300])
    return result.stdout.decode("utf-8", errors="replace").replace("\f", "\n").strip()


def make_searchable(
    *, data: bytes, content_type: str, first_page_only: bool = False, page_timeout: float | None = None
) -> Recognition:
    """OCR a scan (PDF or image) into a searchable PDF/A with Vietnamese text; pages that already have text are
    kept as they are. A signed PDF is only read (`pdf` None). Raises IncomingError when the scan is refused.
    `first_page_only` recognises page 1 alone (the prefill); a page past `page_timeout` is left without text."""
    started = time.monotonic()
    check = check_scan(data=data, content_type=content_type)
    if check.signed:
        return Recognition(text=extract_text(data), pdf=None, pages=0, seconds=time.monotonic() - started)
    with tempfile.TemporaryDirectory(prefix="vanthu-ocr-") as tmp:
        source = Path(tmp) / ("scan.pdf" if content_type == PDF else "scan.img")
        target = Path(tmp) / "searchable.pdf"
        source.write_bytes(data)
        try:
            ocrmypdf.ocr(
                source,
                target,
                language=LANGUAGES,
                # an image's own resolution, checked above, so the page has its real size
                image_dpi=check.dpi if content_type in IMAGE_TYPES else None,
                skip_text=True,
                output_type="pdfa",
                # PDF/A by pikepdf: Debian 12's Ghostscript 10.0 corrupts pages with text (OCRmyPDF refuses it with
                # skip_text); Ghostscript stays the fallback rasteriser
                pdfa_backend="internal",
                jobs=1,
                use_threads=True,
                progress_bar=False,
                tesseract_timeout=page_timeout or settings.VANTHU_OCR_PAGE_TIMEOUT,
                pages="1" if first_page_only else None,
            )
        except ocrmypdf.exceptions.ExitCodeException as exc:
            raise IncomingError(
                _("Không nhận dạng được chữ của bản quét."), detail=f"{type(exc).__name__}: {exc}"[:300]
            ) from exc
        pdf = target.read_bytes()
    pages = check.pages or 1
    return Recognition(text=extract_text(pdf), pdf=pdf, pages=pages, seconds=time.monotonic() - started)


def recognise_text(*, document_id: int) -> IncomingDocument:
    """Give a registered document its searchable text: a paper scan is OCR'd (its searchable PDF stored next to
    it); an electronic PDF's text layer is read. The file itself is never changed. A failure is recorded on the
    document (`text_status` failed, `text_error`) and logged, not raised: the registration stands."""
    document = IncomingDocument.objects.select_related("file").get(pk=document_id)
    stored = document.file
    if stored is None:
        return document
    with stored.file.open("rb") as fh:
        data = fh.read()
    searchable = None
    try:
        if document.channel == Channel.PAPER:
            result = make_searchable(data=data, content_type=stored.content_type)
        elif stored.content_type == PDF:
            started = time.monotonic()
            result = Recognition(text=extract_text(data), pdf=None, pages=0, seconds=time.monotonic() - started)
        else:
            return document
    except (IncomingError, subprocess.TimeoutExpired, OSError) as exc:
        error = getattr(exc, "message", "") or _("Không nhận dạng được chữ của bản quét.")
        logger.warning("Text of incoming document %s failed: %s", document.pk, getattr(exc, "detail", exc))
        IncomingDocument.objects.filter(pk=document.pk).update(text_status=TextStatus.FAILED, text_error=error[:500])
        document.refresh_from_db()
        return document
    with transaction.atomic():
        if result.pdf is not None:
            stem = stored.filename.rsplit(".", 1)[0] or "ban-quet"
            searchable = store_file(result.pdf, filename=f"{stem}-tim-kiem.pdf", content_type=PDF)
        status = TextStatus.RECOGNISED if searchable is not None else TextStatus.EXTRACTED
        IncomingDocument.objects.filter(pk=document.pk).update(
            text=result.text,
            text_folded=" ".join(fold(result.text).split()),  # runs of spaces and line breaks as one space
            text_status=status,
            text_error="",
            searchable_file=searchable,
        )
        document.refresh_from_db()
        log_action(
            "workflows.incoming.text_recognised",
            {
                "status": status,
                "characters": len(result.text),
                "pages": result.pages,
                "seconds": round(result.seconds, 2),
                "searchable_sha256": searchable.sha256 if searchable else "",
            },
            None,
            obj=document,
        )
    logger.info(
        "Incoming document %s: %s, %d characters, %d pages in %.1f s",
        document.pk,
        status,
        len(result.text),
        result.pages,
        result.seconds,
    )
    return document


@task()
def recognise_text_task(document_id: int) -> None:
    recognise_text(document_id=document_id)
