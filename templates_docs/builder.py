"""The built-in DOCX templates: ND30 Phụ lục I layout written with python-docx, filled later by docxtpl.

Each template is plain DOCX with docxtpl/Jinja placeholders, so an administrator can download one, edit it in
Word or LibreOffice and upload it back as a new version. The placeholders are listed in `context.PLACEHOLDERS`.
"""

from __future__ import annotations

import io
import re
from functools import cache

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from templates_docs.doctypes import get_type
from templates_docs.metrics import text_width_pt
from templates_docs.signature import MARKERS, SIGNATURE, SIGNER_NAME, SIGNER_NAME_END

FONT = "Times New Roman"
PAGE_WIDTH_MM = 210
MARGIN_LEFT_MM = 30
MARGIN_RIGHT_MM = 20
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
HEADER_LEFT_MM = 62
HEADER_RIGHT_MM = TEXT_WIDTH_MM - HEADER_LEFT_MM
SIGN_LEFT_MM = 78
SIGN_RIGHT_MM = TEXT_WIDTH_MM - SIGN_LEFT_MM
CELL_MARGIN_MM = 1
# Room for the signature image and, over its left third, the seal at its true size (36 mm, 102 pt): the seal must
# never reach the signer's name below it nor the title above it.
SIGNATURE_SPACE_PT = 108
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NATIONAL_TITLE_PT = 12
MOTTO_PT = 13
BUILTIN_VERSION = "builtin-1"


def _mm_to_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def rule_indent_twips(*, cell_mm: float, rule_pt: float) -> int:
    """Left/right indent that centres a rule of `rule_pt` in a header cell."""
    inner_pt = (cell_mm - 2 * CELL_MARGIN_MM) / 25.4 * 72
    return max(0, round((inner_pt - rule_pt) / 2 * 20))


def agency_rule_indent(agency: str) -> int:
    """ND30: a rule 1/3–1/2 as long as the agency name (its longest printed line), centred under it."""
    inner_pt = (HEADER_LEFT_MM - 2 * CELL_MARGIN_MM) / 25.4 * 72
    width = min(text_width_pt(agency, size=13, bold=True), inner_pt)
    return rule_indent_twips(cell_mm=HEADER_LEFT_MM, rule_pt=max(width * 0.4, 40))


def _font(run, *, size: float, bold: bool = False, italic: bool = False, color: RGBColor | None = None):
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    return run


def _para(
    container,
    text: str = "",
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align=WD_ALIGN_PARAGRAPH.CENTER,
    before: float = 0,
    after: float = 0,
    first_line_mm: float | None = None,
    left_mm: float | None = None,
    keep_next: bool = False,
) -> Paragraph:
    if isinstance(container, _Cell) and len(container.paragraphs) == 1 and not container.paragraphs[0].text:
        para = container.paragraphs[0]
    else:
        para = container.add_paragraph()
    fmt = para.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = 1.0
    if first_line_mm is not None:
        fmt.first_line_indent = Mm(first_line_mm)
    if left_mm is not None:
        fmt.left_indent = Mm(left_mm)
    fmt.keep_with_next = keep_next or None
    fmt.widow_control = True
    if text:
        _font(para.add_run(text), size=size, bold=bold, italic=italic)
    _para_mark_font(para, size=size)
    return para


def _para_mark_font(para: Paragraph, *, size: float) -> None:
    """The paragraph mark's size sets the height of an empty paragraph (rules, spacers)."""
    ppr = para._p.get_or_add_pPr()
    rpr = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(round(size * 2)))
    rpr.append(sz)
    ppr.append(rpr)


def _rule(container, *, indent: int | str, before: float = 0) -> Paragraph:
    """An empty 2 pt paragraph with a bottom border between indents: a short centred solid rule."""
    para = _para(container, size=2, before=before)
    ppr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ind = OxmlElement("w:ind")
    ind.set(qn("w:left"), str(indent))
    ind.set(qn("w:right"), str(indent))
    # pPr children have a schema order: pBdr and ind must come before jc and rPr.
    jc = ppr.find(qn("w:jc"))
    anchor = jc if jc is not None else ppr.find(qn("w:rPr"))
    anchor.addprevious(borders)
    anchor.addprevious(ind)
    return para


def _boxed(run, *, color: str) -> None:
    """A character border (the red frame of the urgency mark, the box of DỰ THẢO)."""
    border = OxmlElement("w:bdr")
    for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "2"), ("w:color", color)):
        border.set(qn(key), value)
    run._element.get_or_add_rPr().append(border)


def _bookmark(para: Paragraph, name: str, *, at_end: bool = False) -> None:
    """An empty bookmark at the start or the end of a paragraph's text: LibreOffice exports it as a named
    destination at that point (templates_docs.signature reads it)."""
    bookmark_id = str(1000 + MARKERS.index(name))
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), bookmark_id)
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), bookmark_id)
    if at_end:
        para._p.append(start)
    else:
        para._p.get_or_add_pPr().addnext(start)
    start.addnext(end)


def _jinja_para(container, tag: str) -> None:
    """A paragraph that only holds a docxtpl `{%p ... %}` tag: docxtpl removes it when rendering."""
    if isinstance(container, _Cell) and len(container.paragraphs) == 1 and not container.paragraphs[0].text:
        para = container.paragraphs[0]
    else:
        para = container.add_paragraph()
    para.add_run(tag)


def _borderless(table, widths_mm: list[float]) -> None:
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(_mm_to_twips(CELL_MARGIN_MM)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tblpr.append(margins)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for col, width in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width)


def _cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def _page_number(header) -> None:
    para = header.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = _font(para.add_run(), size=13)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._element.append(t)


def _setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(20)
    section.bottom_margin = Mm(20)
    section.left_margin = Mm(MARGIN_LEFT_MM)
    section.right_margin = Mm(MARGIN_RIGHT_MM)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(8)
    section.different_first_page_header_footer = True

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    rfonts = normal.element.get_or_add_rPr().find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    # Vietnamese language tag, so LibreOffice hyphenates and spell-checks nothing in English.
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    normal.element.get_or_add_rPr().append(lang)

    # Page numbers from page 2, centred in the top margin; page 1 carries the draft mark and the QR code.
    _page_number(section.header)
    first_header = section.first_page_header
    first_header.is_linked_to_previous = False
    _jinja_para(first_header, "{%p if draft %}")
    draft = _para(first_header, align=WD_ALIGN_PARAGRAPH.RIGHT, size=13)
    run = _font(draft.add_run("DỰ THẢO"), size=13, bold=True, color=RGBColor(0xC0, 0, 0))
    _boxed(run, color="C00000")
    _jinja_para(first_header, "{%p endif %}")

    first_footer = section.first_page_footer
    first_footer.is_linked_to_previous = False
    _jinja_para(first_footer, "{%p if verification_url %}")
    qr = _para(first_footer, align=WD_ALIGN_PARAGRAPH.LEFT, size=8)
    qr.add_run("{{ verification_qr }}")
    _font(qr.add_run(" Tra cứu văn bản: {{ verification_url }}"), size=8)
    _jinja_para(first_footer, "{%p endif %}")


def _header_table(document, *, is_cong_van: bool) -> None:
    table = document.add_table(rows=2, cols=2)
    _borderless(table, [HEADER_LEFT_MM, HEADER_RIGHT_MM])
    agency, national = table.rows[0].cells
    _jinja_para(agency, "{%p if parent_agency %}")
    _para(agency, "{{ parent_agency }}", size=13)
    _jinja_para(agency, "{%p endif %}")
    _para(agency, "{{ agency }}", size=13, bold=True)
    _rule(agency, indent="{{ agency_rule_indent }}")

    _para(national, NATIONAL_TITLE, size=NATIONAL_TITLE_PT, bold=True)
    _para(national, MOTTO, size=MOTTO_PT, bold=True)
    motto_pt = text_width_pt(MOTTO, size=MOTTO_PT, bold=True)
    _rule(national, indent=rule_indent_twips(cell_mm=HEADER_RIGHT_MM, rule_pt=motto_pt))

    number, date = table.rows[1].cells
    _para(number, "Số: {{ number_text }}", size=13, before=6)
    _jinja_para(number, "{%p if urgency_text %}")
    urgency = _para(number, size=13, before=4)
    run = _font(urgency.add_run("{{ urgency_text }}"), size=13, bold=True, color=RGBColor(0xC0, 0, 0))
    _boxed(run, color="C00000")
    _jinja_para(number, "{%p endif %}")
    if is_cong_van:
        _para(number, "{{ subject }}", size=12, before=4)
    _para(date, "{{ date_line }}", size=14, italic=True, before=6)


def _heading(document, *, doc_type) -> None:
    _para(document, "{{ type_heading }}", size=14, bold=True, before=18)
    _para(document, "{{ subject }}", size=14, bold=True)
    _rule(document, indent=_mm_to_twips((TEXT_WIDTH_MM - 40) / 2), before=2)
    if doc_type.slug == "quyet-dinh":
        _para(document, "{{ issuing_authority }}", size=14, bold=True, before=12, after=6)


def _legal_bases(document) -> None:
    _jinja_para(document, "{%p for basis in legal_bases %}")
    _para(
        document,
        "{{ basis }}",
        italic=True,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_line_mm=12.7,
        after=6,
    )
    _jinja_para(document, "{%p endfor %}")


def _addressees(document) -> None:
    _jinja_para(document, "{%p if addressees|length == 1 %}")
    _para(document, "Kính gửi: {{ addressees[0] }}", before=12, after=6)
    _jinja_para(document, "{%p elif addressees %}")
    _para(document, "Kính gửi:", align=WD_ALIGN_PARAGRAPH.LEFT, left_mm=20, before=12)
    _jinja_para(document, "{%p for name in addressees %}")
    _para(document, "{{ name }}", align=WD_ALIGN_PARAGRAPH.LEFT, left_mm=42)
    _jinja_para(document, "{%p endfor %}")
    _jinja_para(document, "{%p endif %}")


def _body(document) -> None:
    body = {
        "align": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "first_line_mm": 12.7,
        "after": 6,
    }
    _para(document, size=6, before=6)  # a little air between heading / kính gửi and the body
    _jinja_para(document, "{%p for para in body_paragraphs %}")
    para = _para(document, **body)
    para.add_run("{{r para }}")
    _jinja_para(document, "{%p endfor %}")
    last = _para(document, keep_next=True, **body)
    last.add_run("{{r body_last }}")


def _signature(document) -> None:
    """Row 1 (never split, kept with the last body lines): "Nơi nhận:" with the first recipients beside the
    signer block. Row 2, only when the list is long: the other recipients, free to run over pages."""
    table = document.add_table(rows=4, cols=2)
    _borderless(table, [SIGN_LEFT_MM, SIGN_RIGHT_MM])
    _cant_split(table.rows[0])
    recipients, signer = table.rows[0].cells
    _para(recipients, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    _jinja_para(recipients, "{%p for name in recipients_head %}")
    _para(recipients, "{{ name }}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _jinja_para(recipients, "{%p endfor %}")

    _jinja_para(signer, "{%p for line in signer_lines %}")
    _para(signer, "{{ line }}", size=14, bold=True, before=0)
    _jinja_para(signer, "{%p endfor %}")
    space = _para(signer, size=14)
    space.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    space.paragraph_format.line_spacing = Pt(SIGNATURE_SPACE_PT)
    _bookmark(space, SIGNATURE)
    name = _para(signer, "{{ signer_name }}", size=14, bold=True)
    _bookmark(name, SIGNER_NAME)
    _bookmark(name, SIGNER_NAME_END, at_end=True)

    _jinja_para(table.rows[1].cells[0], "{%tr if recipients_tail %}")
    tail = table.rows[2].cells[0]
    _jinja_para(tail, "{%p for name in recipients_tail %}")
    _para(tail, "{{ name }}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _jinja_para(tail, "{%p endfor %}")
    _jinja_para(table.rows[3].cells[0], "{%tr endif %}")


_UNUSED_PARTS = ("stylesWithEffects", "customXml", "thumbnail")


def _style_references(xml: bytes) -> set[str]:
    return {
        m.decode() for m in re.findall(rb'w:(?:pStyle|rStyle|tblStyle|numStyleLink|styleLink) w:val="([^"]+)"', xml)
    }


def _keep_used_styles(document) -> None:
    """python-docx's blank document carries 164 styles (350 KB), latent styles, a thumbnail and a second copy of
    the styles: LibreOffice parses all of them for every document it opens (half of a warm conversion of a
    2-page công văn). Keep the default styles and those the template uses, and what they are based on."""
    part = document.part
    used = _style_references(part.blob)
    for rel in part.rels.values():
        if not rel.is_external and rel.reltype != RT.STYLES:
            used |= _style_references(rel.target_part.blob or b"")
    styles = document.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    keep = used | {style_id for style_id, style in by_id.items() if style.get(qn("w:default")) == "1"}
    pending = list(keep)
    while pending:
        style = by_id.get(pending.pop())
        if style is None:
            continue
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = style.find(qn(tag))
            if ref is not None and (target := ref.get(qn("w:val"))) not in keep:
                keep.add(target)
                pending.append(target)
    for style_id, style in by_id.items():
        if style_id not in keep:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for rels in (part.rels, part.package.rels):
        for rel_id, rel in list(rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in _UNUSED_PARTS:
                rels.pop(rel_id)


@cache
def builtin_template(doc_type: str) -> bytes:
    """The DOCX template shipped for `doc_type`, generated once per process."""
    kind = get_type(doc_type)
    document = Document()
    _setup(document)
    body = document.element.body
    # python-docx starts with one empty paragraph: reuse nothing, build in order.
    for child in list(body):
        if child.tag == qn("w:p"):
            body.remove(child)
    _header_table(document, is_cong_van=not kind.has_heading)
    if kind.has_heading:
        _heading(document, doc_type=kind)
    if kind.has_legal_bases:
        _legal_bases(document)
        if kind.slug == "quyet-dinh":
            _para(document, "QUYẾT ĐỊNH:", size=14, bold=True, before=6, after=6)
    _addressees(document)
    _body(document)
    _signature(document)
    _keep_used_styles(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
