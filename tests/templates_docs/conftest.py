"""Rendered documents are expensive (LibreOffice): each case renders once per session and is shared."""

from __future__ import annotations

import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from templates_docs import services

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def pdftotext(pdf: bytes, *, page: int | None = None, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if layout:
        args.append("-layout")
    return subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pdffonts(pdf: bytes) -> list[list[str]]:
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = out.splitlines()[2:]
    return [row.split() for row in rows if row.strip()]


@dataclass(frozen=True)
class Line:
    text: str
    x_min: float
    y_min: float  # from the top of the page, as poppler reports
    x_max: float
    y_max: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    lines: tuple[Line, ...]


def poppler_layout(pdf: bytes) -> list[Page]:
    """Text lines as an independent reader sees them: poppler's `pdftotext -bbox-layout`."""
    out = subprocess.run(["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    ns = "{http://www.w3.org/1999/xhtml}"
    pages = []
    for page in ET.fromstring(out).iter(f"{ns}page"):  # noqa: S314 - poppler's own output
        lines = tuple(
            Line(
                " ".join(word.text or "" for word in line.iter(f"{ns}word")),
                *(float(line.get(key)) for key in ("xMin", "yMin", "xMax", "yMax")),
            )
            for line in page.iter(f"{ns}line")
        )
        pages.append(Page(width=float(page.get("width")), height=float(page.get("height")), lines=lines))
    return pages


def without_markers(docx: bytes) -> bytes:
    """The DOCX with its bookmarks (the signature markers) taken out, as a template made elsewhere would be."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = re.sub(rb"<w:bookmark(Start|End) [^>]*/>", b"", data)
            target.writestr(item, data)
    return out.getvalue()


def _long_case() -> tuple[str, dict, dict, bool]:
    data = services.load_sample("cong-van")
    sentence = "Doanh nghiệp bưu chính kiểm tra nội dung bưu gửi trước khi chấp nhận theo quy định. "
    paragraphs = []
    while sum(len(p) for p in paragraphs) < 20_000:
        paragraphs.append(sentence * 6)
    data["body"] = "\n\n".join(paragraphs)
    data["recipients"] = [f"Điểm phục vụ bưu chính số {i}" for i in range(1, 201)]
    return "cong-van", data, services.default_organisation(), False


def _html_case() -> tuple[str, dict, dict, bool]:
    data = services.load_sample("thong-bao")
    data["subject"] = "<b>Kết quả</b> & <i>đánh giá</i>"
    data["body"] = "Nội dung <script>alert('x')</script> & <w:p/> ]]> giữ nguyên.\n\n- Mục <a href='x'>một</a>"
    data["recipients"] = ["<img src=x onerror=alert(1)>"]
    return "thong-bao", data, services.default_organisation(), False


def _seed_case(name: str, doc_type: str):
    def case():
        data = load_fixture(name)
        return doc_type, data, data["organisation"], False

    return case


def _sample_case(slug: str, *, draft: bool = False):
    def case():
        data = services.load_sample(slug)
        return slug, data, data.get("organisation") or services.default_organisation(), draft

    return case


CASES = {
    **{f"sample:{slug}": _sample_case(slug) for slug in services.DOCUMENT_TYPES},
    "draft:cong-van": _sample_case("cong-van", draft=True),
    "seed:cong-van-lang-son": _seed_case("cong-van-lang-son", "cong-van"),
    "seed:chi-thi-28": _seed_case("chi-thi-28", "chi-thi"),
    "long": _long_case,
    "html": _html_case,
}


@pytest.fixture(scope="session")
def rendered(django_db_setup, django_db_blocker):
    """rendered(case) -> (data, RenderedDocument), each case rendered once per session (CASES)."""
    cache: dict[str, tuple[dict, services.RenderedDocument]] = {}

    def get(name: str):
        if name not in cache:
            doc_type, data, organisation, draft = CASES[name]()
            with django_db_blocker.unblock():
                result = services.render_document(doc_type=doc_type, data=data, organisation=organisation, draft=draft)
            cache[name] = (data, result)
        return cache[name]

    return get
