"""Uploaded DOCX templates: checked (line and name at fault), versioned, previewed, activated."""

import io
import re
import zipfile

import pytest
from docx import Document

from templates_docs import services
from templates_docs.builder import builtin_template
from templates_docs.context import PLACEHOLDERS
from templates_docs.errors import TemplateSyntaxProblem
from templates_docs.models import TemplateVersion
from templates_docs.rendering import check_template

from .conftest import pdftotext

pytestmark = pytest.mark.django_db


def docx_with(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def edited_builtin(doc_type: str, old: bytes, new: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(builtin_template(doc_type)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                assert old in data
                data = data.replace(old, new)
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("doc_type", list(services.DOCUMENT_TYPES))
def test_builtin_templates_pass_the_check(doc_type):
    used = check_template(builtin_template(doc_type))
    assert used <= set(PLACEHOLDERS)
    assert {"agency", "number_text", "date_line", "subject", "body_last", "signer_name", "recipients_head"} <= used
    assert ("legal_bases" in used) == services.DOCUMENT_TYPES[doc_type].has_legal_bases
    assert ("type_heading" in used) == services.DOCUMENT_TYPES[doc_type].has_heading


def test_unknown_placeholder_is_refused_with_line_and_name():
    template = docx_with("{{ agency }}", "Số: {{ number_text }}", "Kính gửi {{ nguoi_nhan }}")
    with pytest.raises(TemplateSyntaxProblem) as exc:
        check_template(template)
    assert (exc.value.line, exc.value.name) == (3, "nguoi_nhan")
    assert "Kính gửi" in exc.value.message


def test_broken_syntax_is_refused_with_line_and_tag():
    template = docx_with("{{ agency }}", "ok", "{% if draft %}DỰ THẢO", "{{ subject }}")
    with pytest.raises(TemplateSyntaxProblem) as exc:
        check_template(template)
    assert (exc.value.line, exc.value.name) == (3, "if")  # the {% if %} never closed
    template = docx_with("{{ agency }}", "{{ subject ]}")
    with pytest.raises(TemplateSyntaxProblem) as exc:
        check_template(template)
    assert exc.value.line == 2


def test_loop_variables_are_not_unknown():
    used = check_template(docx_with("{% for name in recipients %}{{ name }}{% endfor %}", "{{ data.any_key }}"))
    assert used == {"recipients", "data"}  # "name" is the loop's own


def test_not_a_docx_is_refused():
    with pytest.raises(TemplateSyntaxProblem) as exc:
        check_template(b"%PDF-1.7 not a docx")
    assert exc.value.name == "docx"


def test_sandbox_refuses_python_internals():
    template = docx_with("{{ agency.__class__.__mro__ }}")
    assert check_template(template) == {"agency"}  # a known name: accepted by the check...
    version = services.upload_template_version(doc_type="thong-bao", docx=builtin_template("thong-bao"))
    version.docx = template
    with pytest.raises(services.DocumentError):  # ...but the sandbox refuses to fill it
        services.render_docx(
            doc_type="thong-bao",
            data=services.load_sample("thong-bao"),
            organisation=services.default_organisation(),
            draft=True,
            template=version,
        )


def test_upload_preview_activate_and_record_version():
    v1 = services.upload_template_version(doc_type="cong-van", docx=builtin_template("cong-van"), filename="a.docx")
    v2 = services.upload_template_version(
        doc_type="cong-van",
        docx=edited_builtin("cong-van", "Nơi nhận:".encode(), "Nơi nhận (mẫu 2):".encode()),
        filename="b.docx",
    )
    assert (v1.version, v2.version) == (1, 2) and not v1.is_active and not v2.is_active
    assert services.active_version("cong-van").label == "cong-van:builtin-1"

    services.activate_template_version(version=v1)
    preview = services.preview_template_version(version=v2)
    assert preview.template_version == "cong-van:v2"
    assert "Nơi nhận (mẫu 2):" in pdftotext(preview.pdf)
    assert "DỰ THẢO" in pdftotext(preview.pdf, page=1)

    sample = services.load_sample("cong-van")
    org = services.default_organisation()
    docx = services.render_docx(doc_type="cong-van", data=sample, organisation=org, draft=False)
    assert "Nơi nhận (mẫu 2):" not in Document(io.BytesIO(docx)).tables[-1]._tbl.xml

    services.activate_template_version(version=v2)
    assert list(TemplateVersion.objects.filter(is_active=True)) == [v2]
    docx = services.render_docx(doc_type="cong-van", data=sample, organisation=org, draft=False)
    assert "Nơi nhận (mẫu 2):" in Document(io.BytesIO(docx)).tables[-1]._tbl.xml


def test_upload_refuses_bad_template_and_stores_nothing():
    with pytest.raises(TemplateSyntaxProblem):
        services.upload_template_version(doc_type="cong-van", docx=docx_with("{{ so_van_ban }}"))
    assert not TemplateVersion.objects.exists()


def test_demo_loader_is_idempotent():
    from templates_docs.demo import load

    load(io.StringIO())
    load(io.StringIO())
    assert TemplateVersion.objects.filter(is_active=True).count() == len(services.DOCUMENT_TYPES)
    assert TemplateVersion.objects.count() == len(services.DOCUMENT_TYPES)
    assert services.active_version("chi-thi").label == "chi-thi:v1"


@pytest.mark.parametrize("doc_type", list(services.DOCUMENT_TYPES))
def test_builtin_template_carries_only_the_styles_it_uses(doc_type):
    docx = builtin_template(doc_type)
    names = zipfile.ZipFile(io.BytesIO(docx)).namelist()
    assert not [n for n in names if "stylesWithEffects" in n or "thumbnail" in n or n.startswith("customXml/")]
    document = Document(io.BytesIO(docx))
    defined = {style.style_id for style in document.styles}
    assert {"Normal", "TableNormal", "DefaultParagraphFont"} <= defined
    assert len(defined) < 20  # python-docx's blank document has 164
    referenced = set()
    for name in names:
        if name.startswith("word/") and name.endswith(".xml") and name != "word/styles.xml":
            xml = zipfile.ZipFile(io.BytesIO(docx)).read(name).decode()
            referenced |= set(re.findall(r'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', xml))
    assert referenced <= defined
    based_on = document.styles.element.xpath("w:style/w:basedOn/@w:val")
    assert based_on and set(based_on) <= defined
