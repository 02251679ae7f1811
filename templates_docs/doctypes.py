"""The document types this app renders (ND30 Phụ lục I, abbreviations from Phụ lục III)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from templates_docs.errors import UnknownDocumentType

__all__ = ["DOCUMENT_TYPES", "URGENCY_RANK", "DocumentType", "Urgency", "get_type"]


class Urgency(models.TextChoices):
    """Độ khẩn (ND30 Art. 15), the same for the documents the department issues and those it receives."""

    NORMAL = "", _("Thường")
    URGENT = "khan", _("Khẩn")
    VERY_URGENT = "thuong-khan", _("Thượng khẩn")
    EXPRESS = "hoa-toc", _("Hỏa tốc")


# Sorting rank, also the edXML Priority code (0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc).
URGENCY_RANK = {Urgency.NORMAL: 0, Urgency.URGENT: 1, Urgency.VERY_URGENT: 2, Urgency.EXPRESS: 3}


@dataclass(frozen=True)
class DocumentType:
    slug: str
    name: str  # "Công văn"
    abbreviation: str | None  # "CT"; None for công văn (its code is agency-drafting unit)
    has_heading: bool  # prints the type name ("CHỈ THỊ") and the subject centred under the header
    has_legal_bases: bool  # "Căn cứ ...;" lines before the body

    @property
    def heading(self) -> str:
        return self.name.upper()


DOCUMENT_TYPES: dict[str, DocumentType] = {
    t.slug: t
    for t in (
        DocumentType("cong-van", "Công văn", None, has_heading=False, has_legal_bases=False),
        DocumentType("chi-thi", "Chỉ thị", "CT", has_heading=True, has_legal_bases=False),
        DocumentType("ke-hoach", "Kế hoạch", "KH", has_heading=True, has_legal_bases=True),
        DocumentType("thong-bao", "Thông báo", "TB", has_heading=True, has_legal_bases=False),
        DocumentType("bao-cao", "Báo cáo", "BC", has_heading=True, has_legal_bases=False),
        DocumentType("quyet-dinh", "Quyết định", "QĐ", has_heading=True, has_legal_bases=True),
        DocumentType("to-trinh", "Tờ trình", "TTr", has_heading=True, has_legal_bases=True),
        DocumentType("cam-ket", "Bản cam kết", None, has_heading=True, has_legal_bases=True),
        DocumentType("giay-chung-nhan", "Giấy chứng nhận", "GCN", has_heading=True, has_legal_bases=True),
    )
}


def get_type(slug: str) -> DocumentType:
    try:
        return DOCUMENT_TYPES[slug]
    except KeyError:
        raise UnknownDocumentType(slug) from None
