"""Reads of incoming documents: the register, the duplicate check, overdue items."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.text import fold

from .models import OPEN_STATUSES, IncomingDocument

VIEW_PERMISSION = "incoming.view_incomingdocument"
REGISTER_PERMISSION = "incoming.add_incomingdocument"
REGISTER_BOOK_PERMISSION = "incoming.view_incoming_register"


def registered() -> QuerySet[IncomingDocument]:
    return IncomingDocument.objects.filter(number__isnull=False)


def find_duplicates(*, issuer_name: str, issuer_organ_id: str, code: str, sha256: str) -> list[IncomingDocument]:
    """Registered documents that look like this one: the same file, or the same issuer's same số, ký hiệu.

    The issuer is the same when both organ ids are given and equal, else when the names fold to the same text
    (case, diacritics and spacing aside); so is the số, ký hiệu.
    """
    query = Q(file_sha256=sha256) if sha256 else Q(pk__in=[])
    if code:  # a coarse prefilter on the number before the folded comparison
        query |= Q(code__istartswith=code.split("/")[0].strip())
    candidates = list(registered().filter(query).order_by("year", "number"))
    folded_code, folded_issuer = _key(code), _key(issuer_name)
    found = []
    for doc in candidates:
        if sha256 and doc.file_sha256 == sha256:
            found.append(doc)
        elif code and _key(doc.code) == folded_code:
            if issuer_organ_id and doc.issuer_organ_id:
                same_issuer = doc.issuer_organ_id.casefold() == issuer_organ_id.casefold()
            else:
                same_issuer = _key(doc.issuer_name) == folded_issuer
            if same_issuer:
                found.append(doc)
    return found


def _key(text: str) -> str:
    return "".join(fold(text).split())


def is_overdue(document: IncomingDocument, *, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return document.deadline is not None and document.status in OPEN_STATUSES and document.deadline < today


def register_entries(
    *, year: int | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[IncomingDocument]:
    """The lines of the sổ đăng ký văn bản đến, in số đến order: a year, or a period of receipt."""
    entries = registered()
    if year is not None:
        entries = entries.filter(year=year)
    if date_from is not None:
        entries = entries.filter(received_at__date__gte=date_from)
    if date_to is not None:
        entries = entries.filter(received_at__date__lte=date_to)
    return entries.order_by("year", "number")


def register_years() -> list[int]:
    return sorted(set(registered().values_list("year", flat=True)), reverse=True)


def search(*, query: str = "", year: int | None = None, status: str = "") -> list[IncomingDocument]:
    """The list page: urgent first, then the newest số đến; the query folds diacritics and matches the trích yếu,
    số, ký hiệu, issuer or the document's text (OCR of a scan, text layer of a PDF; folded when stored)."""
    documents = registered()
    if year is not None:
        documents = documents.filter(year=year)
    if status:
        documents = documents.filter(status=status)
    documents = list(documents.order_by("-urgency_rank", "-year", "-number"))
    key = fold(" ".join(query.split()))
    if key:
        in_text = set(IncomingDocument.objects.filter(text_folded__contains=key).values_list("pk", flat=True))
        documents = [
            d
            for d in documents
            if d.pk in in_text or key in fold(f"{d.subject} {d.code} {d.issuer_name} {d.display_number}")
        ]
    return documents
