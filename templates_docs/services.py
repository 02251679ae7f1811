"""Public API of templates_docs: render ND30 documents, convert them to PDF, number them in registers.

Everything here is keyword-only and takes plain data: the organisation is a dict shaped like
`core.organisation.organisation_info()` (parent_agency, agency, abbreviation, place, units, ...), the document
data follows the schema in docs/templates.md. Errors are `templates_docs.errors.DocumentError` subclasses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from templates_docs import office
from templates_docs.builder import builtin_template
from templates_docs.context import build_context, code_notation, format_code, format_number, parse_data
from templates_docs.doctypes import DOCUMENT_TYPES, DocumentType, get_type
from templates_docs.errors import (
    ConversionError,
    DocumentError,
    NumberingError,
    TemplateDataError,
    TemplateSyntaxProblem,
    UnknownDocumentType,
)
from templates_docs.fields import DocumentField, FieldKind, document_fields, has_field, types_with_field
from templates_docs.models import NumberCounter, RegisterEntry, TemplateVersion
from templates_docs.names import agency_in_text
from templates_docs.rendering import check_template, fill_template, missing_signature_markers
from templates_docs.signature import read_pdf

__all__ = [
    "DOCUMENT_TYPES",
    "ConversionError",
    "DocumentError",
    "DocumentField",
    "DocumentType",
    "FieldKind",
    "NumberingError",
    "RegisterEntry",
    "RenderedDocument",
    "TemplateDataError",
    "TemplateSyntaxProblem",
    "UnknownDocumentType",
    "activate_template_version",
    "active_version",
    "agency_in_text",
    "builtin_version",
    "convert_to_pdf",
    "current_organisation",
    "default_organisation",
    "document_fields",
    "format_code",
    "has_field",
    "load_sample",
    "missing_signature_markers",
    "next_number",
    "preview_template_version",
    "register_outgoing",
    "render_document",
    "render_docx",
    "series_for",
    "types_with_field",
    "upload_template_version",
]

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SHARED_SERIES = "van-ban-hanh-chinh"


@dataclass(frozen=True)
class RenderedDocument:
    docx: bytes
    pdf: bytes
    template_version: str  # "cong-van:v2" (an uploaded version) or "cong-van:builtin-1"
    page_count: int
    # (0-based page index, (x1, y1, x2, y2)) in PDF points, origin bottom-left: the empty space between the
    # signer's title and name. The signature image goes there, the red seal over its left third.
    signature_box: tuple[int, tuple[float, float, float, float]]


# --- templates ---------------------------------------------------------------------------------------------------
def builtin_version(doc_type: str) -> TemplateVersion:
    """The template shipped with the code, as an unsaved version 0 (used when no version is active)."""
    get_type(doc_type)
    return TemplateVersion(doc_type=doc_type, version=0, docx=builtin_template(doc_type), filename=f"{doc_type}.docx")


def active_version(doc_type: str) -> TemplateVersion:
    """The version new documents of the type are rendered with."""
    get_type(doc_type)
    return TemplateVersion.objects.filter(doc_type=doc_type, is_active=True).first() or builtin_version(doc_type)


def _template(doc_type: str, version: TemplateVersion | None) -> tuple[bytes, str]:
    if version is None:
        version = active_version(doc_type)
    if version.doc_type != doc_type:
        raise DocumentError(f"template {version.label} is not a {doc_type} template")
    return bytes(version.docx), version.label


def _fill(
    *, doc_type: str, data: Mapping, organisation: Mapping, draft: bool, template: TemplateVersion | None
) -> tuple[bytes, str]:
    parsed = parse_data(data)
    context = build_context(
        doc_type=doc_type, data=parsed, organisation=organisation, draft=draft, today=timezone.localdate()
    )
    source, label = _template(doc_type, template)
    return fill_template(source, context), label


def render_docx(
    *,
    doc_type: str,
    data: Mapping,
    organisation: Mapping,
    draft: bool,
    template: TemplateVersion | None = None,
) -> bytes:
    """The filled DOCX of a document (the active template of the type unless `template` is given)."""
    docx, _label = _fill(doc_type=doc_type, data=data, organisation=organisation, draft=draft, template=template)
    return docx


def convert_to_pdf(docx: bytes, *, pdfa: bool = False, timeout: float | None = None) -> bytes:
    """DOCX → PDF through this process's warm LibreOffice. `pdfa` gives PDF/A-2b for archiving."""
    if not docx:
        raise ConversionError("nothing to convert: empty document")
    return office.convert(docx, pdfa=pdfa, timeout=timeout)


def render_document(
    *,
    doc_type: str,
    data: Mapping,
    organisation: Mapping,
    draft: bool,
    template: TemplateVersion | None = None,
    pdfa: bool = False,
) -> RenderedDocument:
    """Fill the type's template, convert it to PDF and locate the signature space on the PDF."""
    docx, label = _fill(doc_type=doc_type, data=data, organisation=organisation, draft=draft, template=template)
    pdf = convert_to_pdf(docx, pdfa=pdfa)
    facts = read_pdf(pdf)
    return RenderedDocument(
        docx=docx, pdf=pdf, template_version=label, page_count=facts.page_count, signature_box=facts.signature_box
    )


_SAMPLE_TOKEN = re.compile(r"\{(agency|AGENCY|abbreviation|place)\}")


def _fill_tokens(value: Any, tokens: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _SAMPLE_TOKEN.sub(lambda match: tokens[match.group(1)], value)
    if isinstance(value, list):
        return [_fill_tokens(item, tokens) for item in value]
    if isinstance(value, dict):
        return {key: _fill_tokens(item, tokens) for key, item in value.items()}
    return value


def load_sample(doc_type: str, *, organisation: Mapping | None = None) -> dict[str, Any]:
    """The realistic sample data shipped for a type (templates_docs/samples/<slug>.json).

    The samples name the department as `{agency}` (in running text), `{AGENCY}` (in capitals), `{abbreviation}`
    and `{place}`: filled from `organisation` (default: `default_organisation()`), so a renamed Sở reads its
    own name in them."""
    get_type(doc_type)
    sample = json.loads((SAMPLES_DIR / f"{doc_type}.json").read_text(encoding="utf-8"))
    org = organisation or default_organisation()
    place = str(org.get("place") or "")
    agency = str(org.get("agency") or "")
    tokens = {
        "agency": agency_in_text(agency, place=place),
        "AGENCY": agency.upper(),
        "abbreviation": str(org.get("abbreviation") or ""),
        "place": place,
    }
    return _fill_tokens(sample, tokens)


def default_organisation() -> dict[str, Any]:
    """VANTHU_DEFAULT_ORGANISATION: what the samples, the command line and the tests print without a database."""
    return dict(settings.VANTHU_DEFAULT_ORGANISATION)


def current_organisation() -> dict[str, Any]:
    """The organisation as configured now, for this app's own pages (template preview, register export):
    the function named by VANTHU_ORGANISATION_PROVIDER (the project's points at the Wagtail organisation
    settings; a dotted path, so this leaf app imports no other app), else `default_organisation()`."""
    if not settings.VANTHU_ORGANISATION_PROVIDER:
        return default_organisation()
    return {**default_organisation(), **import_string(settings.VANTHU_ORGANISATION_PROVIDER)()}


def sample_context(doc_type: str, *, draft: bool, today: date) -> dict[str, Any]:
    """The context a type's sample data fills in (the sample's own organisation, else the default one)."""
    sample = load_sample(doc_type)
    return build_context(
        doc_type=doc_type,
        data=parse_data(sample),
        organisation=sample.get("organisation") or default_organisation(),
        draft=draft,
        today=today,
    )


def upload_template_version(
    *, doc_type: str, docx: bytes, filename: str = "", note: str = "", user=None
) -> TemplateVersion:
    """Store a new (inactive) version after checking its syntax and placeholders, and that it renders the
    sample data. Raises TemplateSyntaxProblem naming the line and placeholder at fault."""
    get_type(doc_type)
    check_template(docx)
    fill_template(docx, sample_context(doc_type, draft=True, today=timezone.localdate()))
    with transaction.atomic():
        last = (
            TemplateVersion.objects.select_for_update()
            .filter(doc_type=doc_type)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        return TemplateVersion.objects.create(
            doc_type=doc_type,
            version=(last or 0) + 1,
            docx=docx,
            filename=filename[:255],
            note=note[:500],
            created_by=user,
        )


def activate_template_version(*, version: TemplateVersion) -> TemplateVersion:
    """Make `version` the one new documents of its type are rendered with."""
    with transaction.atomic():
        TemplateVersion.objects.select_for_update().filter(doc_type=version.doc_type, is_active=True).exclude(
            pk=version.pk
        ).update(is_active=False)
        version.is_active = True
        version.activated_at = timezone.now()
        version.save(update_fields=["is_active", "activated_at"])
    return version


def preview_template_version(*, version: TemplateVersion, organisation: Mapping | None = None) -> RenderedDocument:
    """Render the type's sample data with `version` (active or not), as a draft, for `organisation` (default:
    `default_organisation()`); a sample with its own "organisation" (a carrier's pledge) keeps it."""
    organisation = organisation or default_organisation()
    sample = load_sample(version.doc_type, organisation=organisation)
    return render_document(
        doc_type=version.doc_type,
        data=sample,
        organisation=sample.get("organisation") or organisation,
        draft=True,
        template=version,
    )


# --- numbering -----------------------------------------------------------------------------------------------
def series_for(doc_type: str) -> str:
    """Which register a type is numbered in: its own, or one shared by all administrative documents
    (setting VANTHU_NUMBERING_SERIES = "per-type" | "shared"; ND30 Điều 15.1.c: the head of the agency decides)."""
    get_type(doc_type)
    mode = settings.VANTHU_NUMBERING_SERIES
    if mode == "shared":
        return SHARED_SERIES
    if mode == "per-type":
        return doc_type
    raise NumberingError(f"VANTHU_NUMBERING_SERIES must be 'per-type' or 'shared', not {mode!r}")


def _next_number(*, series: str, year: int) -> int:
    # The counter row exists before it is locked: ON CONFLICT DO NOTHING makes creating it race-free.
    NumberCounter.objects.bulk_create([NumberCounter(series=series, year=year, last_number=0)], ignore_conflicts=True)
    counter = NumberCounter.objects.select_for_update().get(series=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def next_number(*, series: str, year: int) -> int:
    """The next number of a series for the year (another register's, such as the incoming one's).

    Same guarantee as `register_outgoing`: inside the caller's transaction, no gaps, no duplicates.
    """
    if not transaction.get_connection().in_atomic_block:
        raise NumberingError("next_number must be called inside transaction.atomic()")
    return _next_number(series=series, year=year)


def register_outgoing(
    *,
    doc_type: str,
    issued_date: date,
    agency_abbreviation: str,
    drafting_unit: str,
    subject: str,
    signer_name: str,
    recipients: list[str],
    copies: int = 1,
    note: str = "",
) -> RegisterEntry:
    """Give a document the next number of its series for the year and write it in the outgoing register.

    Must run inside the caller's transaction (`transaction.atomic()`): the counter row stays locked until it
    commits, and a rollback takes the number back, so the series has no gaps and no duplicates.
    """
    if not transaction.get_connection().in_atomic_block:
        raise NumberingError("register_outgoing must be called inside transaction.atomic()")
    if not agency_abbreviation.strip():
        raise TemplateDataError("agency_abbreviation", "is required")
    if not subject.strip():
        raise TemplateDataError("subject", "is required")
    if not signer_name.strip():
        raise TemplateDataError("signer_name", "is required")
    if copies < 1:
        raise TemplateDataError("copies", "must be at least 1")
    series = series_for(doc_type)
    number = _next_number(series=series, year=issued_date.year)
    notation = code_notation(
        doc_type=doc_type, agency_abbreviation=agency_abbreviation.strip(), drafting_unit=drafting_unit.strip()
    )
    code = f"{format_number(number)}/{notation}"
    archive = f"VT, {drafting_unit.strip()}" if drafting_unit.strip() else "VT"
    try:
        with transaction.atomic():
            return RegisterEntry.objects.create(
                series=series,
                year=issued_date.year,
                number=number,
                code=code,
                notation=notation,
                doc_type=doc_type,
                issued_date=issued_date,
                subject=subject.strip()[:500],
                signer_name=signer_name.strip()[:200],
                recipients=[r for r in recipients if r.strip()],
                archive_holder=archive,
                copies=copies,
                note=note[:500],
            )
    except IntegrityError as exc:
        # Only possible if someone wrote the register by hand: the counter is the single source of numbers.
        raise NumberingError(f"{code} is already in the {issued_date.year} register") from exc
