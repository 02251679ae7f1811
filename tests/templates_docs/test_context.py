"""The ND30 writing rules, without LibreOffice."""

from datetime import date

import pytest

from templates_docs.context import (
    body_paragraphs,
    build_context,
    date_line,
    format_code,
    parse_data,
    recipients_with_archive,
    signer_lines,
)
from templates_docs.errors import TemplateDataError, UnknownDocumentType
from templates_docs.names import agency_in_text
from templates_docs.services import DOCUMENT_TYPES, default_organisation, load_sample, sample_context

ORG = {
    "parent_agency": "UBND tỉnh Lạng Sơn",
    "agency": "Sở Thông tin và Truyền thông",
    "abbreviation": "STTTT",
    "place": "Lạng Sơn",
}


def minimal(**overrides):
    data = {"subject": "Trích yếu", "body": "Nội dung.", "signer": {"name": "Nguyễn Quang Huy", "title": "GIÁM ĐỐC"}}
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("doc_type", "number", "unit", "expected"),
    [
        ("cong-van", 5, "TTr", "05/STTTT-TTr"),
        ("cong-van", 12, "", "12/STTTT"),
        ("chi-thi", 28, "", "28/CT-STTTT"),
        ("quyet-dinh", 101, "BCVT", "101/QĐ-STTTT"),
        ("ke-hoach", 9, "", "09/KH-STTTT"),
    ],
)
def test_code_has_leading_zero_and_nd30_notation(doc_type, number, unit, expected):
    assert format_code(doc_type=doc_type, number=number, agency_abbreviation="STTTT", drafting_unit=unit) == expected


def test_draft_code_leaves_the_number_blank():
    code = format_code(doc_type="cong-van", number=None, agency_abbreviation="STTTT", drafting_unit="TTr")
    assert code.endswith("/STTTT-TTr")
    assert code.split("/")[0].strip() == ""


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        (date(2026, 1, 5), "Lạng Sơn, ngày 05 tháng 01 năm 2026"),
        (date(2026, 2, 28), "Lạng Sơn, ngày 28 tháng 02 năm 2026"),
        (date(2019, 6, 29), "Lạng Sơn, ngày 29 tháng 6 năm 2019"),
        (date(2020, 12, 1), "Lạng Sơn, ngày 01 tháng 12 năm 2020"),
    ],
)
def test_date_line_leading_zeros(issued, expected):
    assert date_line(place="Lạng Sơn", issued=issued, today=date(2026, 3, 1)) == expected


def test_undated_line_leaves_day_and_month_blank():
    line = date_line(place="Lạng Sơn", issued=None, today=date(2026, 3, 1))
    assert line.startswith("Lạng Sơn, ngày") and line.endswith("năm 2026")
    assert not any(ch.isdigit() for ch in line[: -len("2026")])


def test_each_line_of_the_body_is_a_paragraph():
    body = "Mở đầu\r\ncòn tiếp.\n\n1. Mục một\n- ý a\n- ý b\ntiếp ý b\n\n\n   \nĐiều 1. Nội dung"
    expected = ["Mở đầu", "còn tiếp.", "1. Mục một", "- ý a", "- ý b", "tiếp ý b", "Điều 1. Nội dung"]
    assert body_paragraphs(body) == expected
    ctx = build_context(
        doc_type="cong-van", data=parse_data(minimal(body=body)), organisation=ORG, draft=False, today=date(2026, 1, 1)
    )
    assert len(ctx["body_paragraphs"]) + 1 == len(expected)


def test_article_number_is_bold_and_markup_becomes_runs():
    ctx = build_context(
        doc_type="quyet-dinh",
        data=parse_data(minimal(body="Điều 1. Ban hành **quy chế** và *phụ lục*.")),
        organisation=ORG,
        draft=False,
        today=date(2026, 1, 1),
    )
    xml = str(ctx["body_last"])
    assert "<w:b/>" in xml and "Điều 1." in xml and "<w:i/>" in xml
    assert "**" not in xml and "*phụ lục*" not in xml


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("", ["GIÁM ĐỐC"]), ("KT.", ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]), ("tl", ["TL. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"])],
)
def test_signer_lines(prefix, expected):
    title = "GIÁM ĐỐC" if not prefix else "Phó Giám đốc"
    data = parse_data(
        minimal(signer={"name": "A", "title": title, "authority_prefix": prefix, "authority_title": "Giám đốc"})
    )
    assert signer_lines(data.signer) == expected


def test_lists_are_punctuated_and_archive_line_added():
    ctx = build_context(
        doc_type="cong-van",
        data=parse_data(
            minimal(drafting_unit="TTr", addressees=["Sở A;", "Sở B"], recipients=["Như trên", "Lãnh đạo Sở."])
        ),
        organisation=ORG,
        draft=False,
        today=date(2026, 1, 1),
    )
    assert ctx["addressees"] == ["- Sở A;", "- Sở B."]
    assert ctx["recipients"] == ["- Như trên;", "- Lãnh đạo Sở;", "- Lưu: VT, TTr."]
    assert ctx["subject"] == "V/v Trích yếu"
    assert ctx["agency"] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"


@pytest.mark.parametrize(
    ("typed", "unit", "printed"),
    [
        # the dispatch service adds "Như trên" and its own archive line; the author typed both again
        (["Như trên", "Lưu: VT, BCVT.", "Như trên", "Lưu: VT, TTr"], "TTr", ["Như trên", "Lưu: VT, BCVT, TTr"]),
        (["Giám đốc Sở (b/c)", "- giám đốc sở (b/c);", "Lưu VT"], "", ["Giám đốc Sở (b/c)", "Lưu: VT"]),
        (["Lưu trữ lịch sử tỉnh"], "VP", ["Lưu trữ lịch sử tỉnh", "Lưu: VT, VP"]),
        ([], "", ["Lưu: VT"]),
    ],
)
def test_recipients_are_printed_once_with_one_archive_line(typed, unit, printed):
    assert list(recipients_with_archive(tuple(typed), drafting_unit=unit)) == printed


def test_existing_archive_line_is_kept():
    ctx = build_context(
        doc_type="chi-thi",
        data=parse_data(minimal(recipients=["Bộ Công an", "Lưu: VT, BC (550)."])),
        organisation=ORG,
        draft=False,
        today=date(2026, 1, 1),
    )
    assert ctx["recipients"][-1] == "- Lưu: VT, BC (550)."


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (minimal(subject="  "), "subject"),
        (minimal(body=""), "body"),
        ({"subject": "x", "body": "y"}, "signer"),
        (minimal(signer={"name": "", "title": "GIÁM ĐỐC"}), "signer.name"),
        (minimal(signer={"name": "A", "title": "PGĐ", "authority_prefix": "XX."}), "signer.authority_prefix"),
        (minimal(signer={"name": "A", "title": "PGĐ", "authority_prefix": "KT."}), "signer.authority_title"),
        (minimal(number="05"), "number"),
        (minimal(number=0), "number"),
        (minimal(issued_date="05/01/2026"), "issued_date"),
        (minimal(urgency="gấp"), "urgency"),
        (minimal(recipients="ok", addressees=[1]), "addressees[0]"),
        (minimal(drafting_unit="T Tr"), "drafting_unit"),
    ],
)
def test_bad_data_names_the_field(data, field):
    with pytest.raises(TemplateDataError) as exc:
        parse_data(data)
    assert exc.value.field == field


def test_missing_organisation_field_is_a_data_error():
    with pytest.raises(TemplateDataError) as exc:
        build_context(
            doc_type="cong-van",
            data=parse_data(minimal()),
            organisation={"agency": "X"},
            draft=False,
            today=date(2026, 1, 1),
        )
    assert exc.value.field == "organisation.abbreviation"


def test_unknown_type():
    with pytest.raises(UnknownDocumentType):
        load_sample("nghi-quyet")


def test_legal_bases_are_refused_for_a_type_without_them_not_dropped():
    data = parse_data(minimal(legal_bases=["Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010"]))
    with pytest.raises(TemplateDataError) as exc:
        build_context(doc_type="cong-van", data=data, organisation=ORG, draft=False, today=date(2026, 1, 1))
    assert exc.value.field == "legal_bases"
    ctx = build_context(doc_type="ke-hoach", data=data, organisation=ORG, draft=False, today=date(2026, 1, 1))
    assert ctx["legal_bases"] == ["Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010."]


@pytest.mark.parametrize("slug", list(DOCUMENT_TYPES))
def test_every_sample_fills_the_context_it_describes(slug):
    sample = load_sample(slug)
    ctx = sample_context(slug, draft=False, today=date(2026, 1, 1))
    assert ctx["signer_name"] == sample["signer"]["name"]
    assert ctx["subject"].removeprefix("V/v ") == sample["subject"].removeprefix("V/v ")
    lines = [line for line in sample["body"].splitlines() if line.strip()]
    assert len(ctx["body_paragraphs"]) + 1 == len(lines)
    assert len(ctx["legal_bases"]) == len(sample["legal_bases"])
    assert ctx["recipients"][-1].startswith("- Lưu") and ctx["recipients"][-1].endswith(".")
    assert ctx["number_text"].startswith(f"{sample['number']:02d}/") if sample["number"] else True


@pytest.mark.parametrize("slug", list(DOCUMENT_TYPES))
def test_samples_are_written_for_2026_and_name_the_configured_agency(slug):
    renamed = {**default_organisation(), "agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "abbreviation": "SKHCN"}
    text = str(load_sample(slug, organisation=renamed))
    assert "huyện" not in text.casefold()  # no district level since 1 July 2025
    assert "{" + "agency" not in text and "{AGENCY}" not in text and "{place}" not in text
    assert "Sở Thông tin và Truyền thông" not in text  # the agency's name comes from the configuration
    if slug in ("cong-van", "thong-bao", "to-trinh", "chi-thi", "cam-ket", "giay-chung-nhan"):
        assert "Sở Khoa học và Công nghệ" in text or "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "Bộ Thông tin và Truyền thông (b/c)" not in text  # reports go to Bộ Khoa học và Công nghệ now


def test_cong_van_sample_is_addressed_to_the_communes():
    sample = load_sample("cong-van")
    assert sample["addressees"][0] == "UBND các xã, phường"
    assert "Sở Thông tin và Truyền thông đề nghị" in sample["body"]  # default organisation, in running text


@pytest.mark.parametrize(
    ("name", "place", "expected"),
    [
        ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "", "Sở Thông tin và Truyền thông"),
        ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "", "Sở Khoa học và Công nghệ"),
        ("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "", "Sở Văn hóa, Thể thao và Du lịch"),
        ("UBND TỈNH LẠNG SƠN", "", "UBND tỉnh Lạng Sơn"),
        ("ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "", "Ủy ban nhân dân tỉnh Lạng Sơn"),
        ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH LẠNG SƠN", "", "Sở Thông tin và Truyền thông tỉnh Lạng Sơn"),
        ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG LẠNG SƠN", "Lạng Sơn", "Sở Thông tin và Truyền thông Lạng Sơn"),
        ("CÔNG TY TNHH CHUYỂN PHÁT NHANH LẠNG SƠN", "Lạng Sơn", "Công ty TNHH Chuyển phát nhanh Lạng Sơn"),
        ("PHÒNG THÔNG TIN - BÁO CHÍ - XUẤT BẢN", "", "Phòng Thông tin - Báo chí - Xuất bản"),
        ("UBND XÃ ĐỒNG ĐĂNG", "", "UBND xã Đồng Đăng"),
        ("Sở Tài nguyên và Môi trường", "", "Sở Tài nguyên và Môi trường"),  # typed properly: kept
    ],
)
def test_agency_name_in_running_text(name, place, expected):
    assert agency_in_text(name, place=place) == expected


def test_cong_van_sample_is_numbered_5_by_thanh_tra():
    sample = load_sample("cong-van")
    assert sample["number"] == 5 and sample["drafting_unit"] == "TTr"


def test_document_types_table():
    assert set(DOCUMENT_TYPES) == {
        "cong-van",
        "chi-thi",
        "ke-hoach",
        "thong-bao",
        "bao-cao",
        "quyet-dinh",
        "to-trinh",
        "cam-ket",
        "giay-chung-nhan",
    }
    assert DOCUMENT_TYPES["cong-van"].abbreviation is None and not DOCUMENT_TYPES["cong-van"].has_heading
    assert DOCUMENT_TYPES["chi-thi"].abbreviation == "CT" and DOCUMENT_TYPES["chi-thi"].heading == "CHỈ THỊ"
