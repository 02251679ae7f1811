"""Reads: the outgoing register and template versions."""

from __future__ import annotations

from django.db.models import QuerySet

from templates_docs.models import RegisterEntry, TemplateVersion


def register_entries(*, year: int | None = None, doc_type: str | None = None) -> QuerySet[RegisterEntry]:
    entries = RegisterEntry.objects.all()
    if year:
        entries = entries.filter(year=year)
    if doc_type:
        entries = entries.filter(doc_type=doc_type)
    return entries.order_by("year", "series", "number")


def register_years() -> list[int]:
    return sorted(set(RegisterEntry.objects.values_list("year", flat=True)), reverse=True)


def template_versions(doc_type: str) -> QuerySet[TemplateVersion]:
    return TemplateVersion.objects.filter(doc_type=doc_type).select_related("created_by").order_by("-version")
