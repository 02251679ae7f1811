"""Attachments are accepted by what they are, not what they are called (issue 11, hole 2), and zip containers
are opened within limits (hole 8)."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from openpyxl import Workbook

from core.uploads import (
    DOCX,
    ODT,
    PDF,
    XLSX,
    UploadRefused,
    ZipLimits,
    filename_for,
    identify_document,
    open_zip,
)
from tests.signing_support import sample_pdf


def _docx() -> bytes:
    out = io.BytesIO()
    Document().save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def _zip(members: list[tuple[str, bytes]], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "mimetype" else compression)
    return out.getvalue()


def _odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    return _zip([("mimetype", mimetype), ("content.xml", b"<office:document-content/>")])


def test_the_four_formats_are_recognised_by_content():
    assert identify_document(sample_pdf()) is PDF
    assert identify_document(_docx()) is DOCX
    assert identify_document(_xlsx()) is XLSX
    assert identify_document(_odt()) is ODT


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>fetch('/van-ban-di/')</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"%PDF-1.7 but never ends",
        b"MZ\x90\x00",
        b"",
    ],
    ids=["html", "svg", "truncated-pdf", "exe", "empty"],
)
def test_anything_else_is_refused_with_a_vietnamese_message(data):
    with pytest.raises(UploadRefused) as refused:
        identify_document(data)
    assert "PDF, DOCX, XLSX hoặc ODT" in refused.value.message


def test_zips_that_only_look_like_office_files_are_refused():
    for data in (
        _zip([("index.html", b"<script>1</script>")]),
        _odt(b"application/vnd.oasis.opendocument.spreadsheet-template"),
        _zip([("[Content_Types].xml", b"macroEnabled.main+xml"), ("word/document.xml", b"<w/>")]),
        _zip([("[Content_Types].xml", b"x"), ("word/vbaProject.bin", b"x"), ("word/document.xml", b"<w/>")]),
    ):
        with pytest.raises(UploadRefused):
            identify_document(data)


def test_a_zip_bomb_is_refused_from_its_directory():
    bomb = _zip([("[Content_Types].xml", b"x"), ("xl/workbook.xml", b"\0" * (80 * 1024 * 1024))])
    assert len(bomb) < 200 * 1024
    with pytest.raises(UploadRefused) as refused:
        identify_document(bomb)
    assert "quá lớn hoặc nén bất thường" in refused.value.message
    many = _zip([(f"m{i}", b"") for i in range(30)])
    with pytest.raises(UploadRefused):
        open_zip(many, limits=ZipLimits(max_members=20))


def test_the_stored_name_carries_the_real_extension():
    assert filename_for(PDF, "bao-cao.html") == "bao-cao.pdf"
    assert filename_for(DOCX, "../../x") == "x.docx"
    assert filename_for(XLSX, "") == "tep.xlsx"
