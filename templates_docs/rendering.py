"""Fill a DOCX template (docxtpl) and check an uploaded one before it is accepted."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jinja2
import qrcode
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from templates_docs.context import PLACEHOLDERS
from templates_docs.errors import DocumentError, TemplateSyntaxProblem
from templates_docs.signature import MARKERS

__all__ = ["check_template", "fill_template", "missing_signature_markers"]

_PARAGRAPH = re.compile(r"<w:p([ >])")
_TAG_TEXT = re.compile(r"<[^>]+>")


def _environment() -> jinja2.Environment:
    # Sandboxed: an uploaded template is data, it must not reach Python internals. Autoescape keeps any
    # "<script>" or "&" in the user's text as text inside the XML.
    return SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)


class _CompilingOnceEnvironment(SandboxedEnvironment):
    """docxtpl hands the same Jinja source (a part's patched XML) to `from_string` at every fill of a template:
    compile it once (half of the fill's CPU time). Keyed by the source itself, so no entry can go stale."""

    def __init__(self, *, size: int = 64) -> None:
        super().__init__(autoescape=True, undefined=jinja2.StrictUndefined)
        self._compiled: OrderedDict[str, jinja2.Template] = OrderedDict()
        self._compiled_lock = threading.Lock()
        self._size = size

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's signature
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        with self._compiled_lock:
            template = self._compiled.get(source)
            if template is not None:
                self._compiled.move_to_end(source)
                return template
        template = super().from_string(source)
        with self._compiled_lock:
            self._compiled[source] = template
            while len(self._compiled) > self._size:
                self._compiled.popitem(last=False)
        return template


_FILL_ENVIRONMENT = _CompilingOnceEnvironment()


@lru_cache(maxsize=64)
def _patched(xml: str) -> str:
    return DocxTemplate.patch_xml(None, xml)  # a pure function of the XML; `self` is unused


class _Template(DocxTemplate):
    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)


def _open(template: bytes) -> DocxTemplate:
    try:
        if not zipfile.is_zipfile(io.BytesIO(template)):
            raise TemplateSyntaxProblem(line=None, name="docx", message="the file is not a DOCX document")
        return _Template(io.BytesIO(template))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise TemplateSyntaxProblem(line=None, name="docx", message=f"the file is not a DOCX document ({exc})") from exc


def _parts(tpl: DocxTemplate) -> list[tuple[str, str]]:
    """(part name, Jinja source as docxtpl renders it: one paragraph per line)."""
    tpl.init_docx()
    docx = tpl.docx
    parts = [("body", tpl.patch_xml(tpl.xml_to_string(docx._element.body)))]
    from docx.oxml import parse_xml

    for uri, label in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
        for rel in docx._part.rels.values():
            if rel.reltype == uri and rel.target_part.blob:
                xml = tpl.xml_to_string(parse_xml(rel.target_part.blob))
                parts.append((f"{label} {rel.target_part.partname}", tpl.patch_xml(xml)))
    return [(name, _PARAGRAPH.sub(r"\n<w:p\1", xml)) for name, xml in parts]


_BLOCK_TAG = re.compile(r"\{%-?\s*(?:[ptr]|tr|tc)?\s+(\w+)|\{%-?\s*(\w+)")
_OPENERS = {"if", "for", "macro", "call", "filter", "with", "block", "raw", "set"}


def _unclosed_block(source: str) -> tuple[int, str] | None:
    """(line, tag) of the innermost block opened and never closed, for a clearer message than "end of
    template"."""
    stack: list[tuple[int, str]] = []
    for lineno, line in enumerate(source.splitlines(), start=1):
        for match in _BLOCK_TAG.finditer(line):
            tag = match.group(1) or match.group(2)
            if tag in _OPENERS and not (tag == "set" and "=" in line[match.end() :].split("%}")[0]):
                stack.append((lineno, tag))
            elif tag.startswith("end") and stack and stack[-1][1] == tag[3:]:
                stack.pop()
    return stack[-1] if stack else None


def _paragraph_text(source: str, lineno: int) -> str:
    lines = source.splitlines()
    if 0 < lineno <= len(lines):
        return _TAG_TEXT.sub("", lines[lineno - 1]).strip()[:80]
    return ""


def check_template(template: bytes) -> frozenset[str]:
    """Refuse a DOCX template with broken Jinja syntax or a placeholder this app does not provide; the
    placeholders it uses (all of them in `PLACEHOLDERS`).

    Raises TemplateSyntaxProblem(line=paragraph number within the part, name=placeholder or tag).
    """
    tpl = _open(template)
    env = _environment()
    used: set[str] = set()
    for part, source in _parts(tpl):
        try:
            tree = env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            lineno = exc.lineno
            token = re.search(r"'([^']+)'", exc.message or "")
            name = token.group(1) if token else "?"
            if "end of template" in (exc.message or "") and (unclosed := _unclosed_block(source)):
                lineno, name = unclosed
            text = _paragraph_text(source, lineno)
            raise TemplateSyntaxProblem(
                line=lineno - 1,
                name=name,
                message=f"Jinja syntax error in the {part}: {exc.message} — «{text}»",
            ) from exc
        names = meta.find_undeclared_variables(tree)
        used |= names
        unknown = names - set(PLACEHOLDERS)
        if unknown:
            first = min(
                (node for node in tree.find_all(nodes.Name) if node.name in unknown),
                key=lambda node: node.lineno,
            )
            raise TemplateSyntaxProblem(
                line=first.lineno - 1,
                name=first.name,
                message=f"unknown placeholder in the {part}: {first.name} — «{_paragraph_text(source, first.lineno)}»",
            )
    return frozenset(used)


def missing_signature_markers(template: bytes) -> list[str]:
    """The bookmarks marking the signature's place (templates_docs.signature) that the DOCX lacks."""
    try:
        xml = zipfile.ZipFile(io.BytesIO(template)).read("word/document.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return list(MARKERS)
    present = set(re.findall(r'<w:bookmarkStart\b[^>]*\bw:name="([^"]+)"', xml))
    return [marker for marker in MARKERS if marker not in present]


def _qr_png(url: str) -> bytes:
    image = qrcode.make(url, box_size=4, border=1)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def fill_template(template: bytes, context: Mapping[str, Any]) -> bytes:
    """Render a docxtpl template with `context` (see context.build_context) to DOCX bytes."""
    tpl = _open(template)
    values = dict(context)
    if values.get("verification_url"):
        values["verification_qr"] = InlineImage(tpl, io.BytesIO(_qr_png(values["verification_url"])), width=Mm(16))
    try:
        tpl.render(values, jinja_env=_FILL_ENVIRONMENT, autoescape=True)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateSyntaxProblem(line=exc.lineno - 1, name="?", message=exc.message or "syntax error") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateSyntaxProblem(line=None, name="?", message=str(exc)) from exc
    except jinja2.TemplateError as exc:
        raise DocumentError(f"template could not be filled: {exc}") from exc
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
