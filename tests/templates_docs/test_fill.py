"""Filling reuses each template's compiled Jinja parts; values of one fill never reach another."""

import io
import zipfile
from datetime import date

from docx import Document

from templates_docs import rendering, services
from templates_docs.builder import builtin_template
from templates_docs.context import build_context, parse_data


def _context(**changes) -> dict:
    data = {**services.load_sample("cong-van"), **changes}
    return build_context(
        doc_type="cong-van",
        data=parse_data(data),
        organisation=services.default_organisation(),
        draft=False,
        today=date(2026, 1, 5),
    )


def _text(docx: bytes) -> str:
    document = Document(io.BytesIO(docx))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _variant(template: bytes, old: str, new: str) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(template)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(old.encode(), new.encode())
            target.writestr(item, data)
    return out.getvalue()


def test_second_fill_compiles_nothing_and_keeps_its_own_values():
    template = builtin_template("cong-van")
    first = rendering.fill_template(template, _context(number=7, subject="Kiểm tra an toàn thông tin"))
    compiled = dict(rendering._FILL_ENVIRONMENT._compiled)
    second = rendering.fill_template(template, _context(number=8, subject="Chuyển đổi số cấp xã"))
    assert rendering._FILL_ENVIRONMENT._compiled.keys() == compiled.keys()
    assert all(rendering._FILL_ENVIRONMENT._compiled[k] is t for k, t in compiled.items())
    one, two = _text(first), _text(second)
    assert "Số: 07/STTTT-TTr" in one and "Kiểm tra an toàn thông tin" in one and "Chuyển đổi" not in one
    assert "Số: 08/STTTT-TTr" in two and "Chuyển đổi số cấp xã" in two and "Kiểm tra an toàn" not in two


def test_an_edited_template_gets_its_own_compiled_parts():
    template = builtin_template("cong-van")
    edited = _variant(template, "Nơi nhận:", "Nơi nhận bản sao:")
    context = _context()
    assert "Nơi nhận bản sao:" not in _text(rendering.fill_template(template, context))
    assert "Nơi nhận bản sao:" in _text(rendering.fill_template(edited, context))
    assert "Nơi nhận bản sao:" not in _text(rendering.fill_template(template, context))
