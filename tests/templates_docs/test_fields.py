"""The per-type field definitions a drafting form is built on, held to what the renderer accepts and prints."""

from datetime import date

import pytest

from templates_docs import services
from templates_docs.context import build_context, parse_data
from templates_docs.errors import TemplateDataError, UnknownDocumentType

from .conftest import pdftotext

pytestmark = pytest.mark.django_db

ORG = services.default_organisation()


def names(doc_type: str) -> list[str]:
    return [field.name for field in services.document_fields(doc_type)]


def test_legal_bases_only_where_nd30_has_them():
    assert services.types_with_field("legal_bases") == [
        "ke-hoach",
        "quyet-dinh",
        "to-trinh",
        "cam-ket",
        "giay-chung-nhan",
    ]
    assert "legal_bases" not in names("cong-van") and "legal_bases" in names("quyet-dinh")
    assert names("cong-van") == [
        "subject",
        "addressees",
        "body",
        "urgency",
        "signer.authority_prefix",
        "signer.authority_title",
        "signer.title",
        "signer.name",
        "drafting_unit",
        "recipients",
    ]


@pytest.mark.parametrize("slug", list(services.DOCUMENT_TYPES))
def test_definitions_say_what_the_renderer_requires_and_accepts(slug):
    fields = {field.name: field for field in services.document_fields(slug)}
    assert {name for name, field in fields.items() if field.required} == {
        "subject",
        "body",
        "signer.title",
        "signer.name",
    }
    for name, field in fields.items():
        assert str(field.label) and str(field.label) == str(field.label).strip(), name
    # every required field left out is refused, naming it
    complete = {"subject": "Trích yếu", "body": "Nội dung.", "signer": {"name": "A", "title": "GIÁM ĐỐC"}}
    for name in ("subject", "body", "signer.name", "signer.title"):
        data = {**complete, "signer": dict(complete["signer"])}
        if name.startswith("signer."):
            data["signer"][name.split(".")[1]] = ""
        else:
            data[name] = ""
        with pytest.raises(TemplateDataError) as exc:
            parse_data(data)
        assert exc.value.field == name
    # a field the type has is printed; "legal_bases" where the type has none is refused
    data = parse_data({**complete, "legal_bases": ["Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010"]})
    if "legal_bases" in fields:
        ctx = build_context(doc_type=slug, data=data, organisation=ORG, draft=True, today=date(2026, 1, 1))
        assert ctx["legal_bases"] == ["Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010."]
    else:
        with pytest.raises(TemplateDataError):
            build_context(doc_type=slug, data=data, organisation=ORG, draft=True, today=date(2026, 1, 1))


def test_labels_are_vietnamese_and_choices_are_the_schema_values():
    fields = {field.name: field for field in services.document_fields("quyet-dinh")}
    assert str(fields["legal_bases"].label) == "Căn cứ" and str(fields["subject"].label) == "Trích yếu"
    assert "Điều 1." in str(fields["body"].help_text)
    assert [value for value, _label in fields["urgency"].choices] == ["", "khan", "thuong-khan", "hoa-toc"]
    assert [value for value, _label in fields["signer.authority_prefix"].choices][1:] == [
        "KT.",
        "TL.",
        "TM.",
        "Q.",
        "TUQ.",
    ]
    assert (
        fields["body"].kind == services.FieldKind.PARAGRAPHS and fields["recipients"].kind == services.FieldKind.LINES
    )


def test_unknown_type():
    with pytest.raises(UnknownDocumentType):
        services.document_fields("nghi-quyet")


def test_a_line_break_typed_in_the_subject_is_printed():
    data = services.load_sample("thong-bao")
    data["subject"] = "Kết quả ký cam kết quý I năm 2026\nvà kế hoạch quý II"
    doc = services.render_document(doc_type="thong-bao", data=data, organisation=ORG, draft=False)
    lines = [line.strip() for line in pdftotext(doc.pdf, page=1).splitlines()]
    index = lines.index("Kết quả ký cam kết quý I năm 2026")
    assert lines[index + 1] == "và kế hoạch quý II"
