"""Which fields a document of each type has, as a drafting form needs them: name (the key of the data schema in
docs/templates.md), Vietnamese label and help, required or not, and how a multi-line value is printed.

A field a type does not have is refused by the renderer (`TemplateDataError`), never silently dropped: a form
built on `document_fields` shows exactly what will be printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from templates_docs.context import AUTHORITY_PREFIXES, URGENCY
from templates_docs.doctypes import DOCUMENT_TYPES, get_type

__all__ = ["DocumentField", "FieldKind", "document_fields", "has_field", "types_with_field"]


class FieldKind(StrEnum):
    TEXT = "text"  # one value; a line break typed in it is printed as a line break
    LINES = "lines"  # one item per line (Kính gửi, Căn cứ, Nơi nhận)
    PARAGRAPHS = "paragraphs"  # one paragraph per line (Nội dung)
    CHOICE = "choice"


@dataclass(frozen=True)
class DocumentField:
    name: str  # "subject", "legal_bases", "signer.name"...
    label: str | Promise
    kind: FieldKind
    required: bool = False
    help_text: str | Promise = ""
    max_length: int | None = None
    choices: tuple[tuple[str, str | Promise], ...] = ()


_URGENCY_LABELS = {"": _("Thường"), "khan": _("Khẩn"), "thuong-khan": _("Thượng khẩn"), "hoa-toc": _("Hỏa tốc")}


def _subject(slug: str) -> DocumentField:
    help_text = (
        _("In dưới số, ký hiệu, bắt đầu bằng “V/v” (tự thêm nếu thiếu).")
        if not get_type(slug).has_heading
        else _("In đậm, căn giữa, dưới tên loại văn bản.")
    )
    return DocumentField("subject", _("Trích yếu"), FieldKind.TEXT, required=True, help_text=help_text, max_length=500)


def _body(slug: str) -> DocumentField:
    help_text = _("Mỗi dòng là một đoạn; dòng bắt đầu bằng “- ” là một ý; **chữ đậm**, *chữ nghiêng*.")
    if slug == "quyet-dinh":
        help_text = _("Mỗi dòng là một đoạn; mỗi điều bắt đầu bằng “Điều 1.”, “Điều 2.”… (in đậm).")
    return DocumentField("body", _("Nội dung"), FieldKind.PARAGRAPHS, required=True, help_text=help_text)


def document_fields(doc_type: str) -> tuple[DocumentField, ...]:
    """The fields of a document of `doc_type`, in the order they are printed. Raises UnknownDocumentType."""
    kind = get_type(doc_type)
    fields = [
        _subject(doc_type),
        DocumentField("addressees", _("Kính gửi"), FieldKind.LINES, help_text=_("Mỗi dòng một nơi.")),
    ]
    if kind.has_legal_bases:
        fields.append(
            DocumentField(
                "legal_bases",
                _("Căn cứ"),
                FieldKind.LINES,
                help_text=_("Mỗi dòng một căn cứ, ví dụ: Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010."),
            )
        )
    fields += [
        _body(doc_type),
        DocumentField(
            "urgency",
            _("Độ khẩn"),
            FieldKind.CHOICE,
            choices=tuple((key, _URGENCY_LABELS[key]) for key in URGENCY),
        ),
        DocumentField(
            "signer.authority_prefix",
            _("Thẩm quyền ký"),
            FieldKind.CHOICE,
            help_text=_("KT. (ký thay), TL. (thừa lệnh), TM. (thay mặt), Q. (quyền), TUQ. (thừa ủy quyền)."),
            choices=tuple((prefix, prefix or "—") for prefix in AUTHORITY_PREFIXES),
        ),
        DocumentField(
            "signer.authority_title",
            _("Chức vụ người đứng đầu"),
            FieldKind.TEXT,
            help_text=_("Khi ký thay (KT.), ví dụ: GIÁM ĐỐC."),
            max_length=100,
        ),
        DocumentField("signer.title", _("Chức vụ người ký"), FieldKind.TEXT, required=True, max_length=100),
        DocumentField("signer.name", _("Họ tên người ký"), FieldKind.TEXT, required=True, max_length=200),
        DocumentField("drafting_unit", _("Đơn vị soạn thảo"), FieldKind.CHOICE),
        DocumentField(
            "recipients",
            _("Nơi nhận"),
            FieldKind.LINES,
            help_text=_("Mỗi dòng một nơi; dòng “Lưu: VT, …” được thêm (hoặc gộp) ở cuối."),
        ),
    ]
    return tuple(fields)


def has_field(doc_type: str, name: str) -> bool:
    return any(field.name == name for field in document_fields(doc_type))


def types_with_field(name: str) -> list[str]:
    """Slugs of the types that have the field, e.g. types_with_field("legal_bases")."""
    return [slug for slug in DOCUMENT_TYPES if has_field(slug, name)]
