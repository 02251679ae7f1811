"""No district level in what the demo shows for current data: "huyện" (any case, with or without diacritics)
appears in no public, carrier or staff page, no export and no generated document. Only what is dated before
1 July 2025 (the 2020 directive, news and công văn of the seeds) keeps its district names, as history.

The crawl follows the links of each page from the entry points of each kind of visitor, reads every HTML page,
PDF (pdftotext), XLSX, DOCX and CSV it reaches, and names the first offending passages.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from collections import deque
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook
from wagtail.models import Page

from core.text import fold
from workflows.pledges.demo import CAMPAIGN_SLUG

pytestmark = [pytest.mark.slow]

REFORM = date(2025, 7, 1)
DISTRICT = re.compile(r"\bhuyen\b")  # on folded text: "huyện", "Huyện", "HUYEN" (never "chuyên", "truyền")
# Never followed: leaving the session, the screens of the libraries (Wagtail and Django admin, viewflow frontend).
SKIPPED = ("/accounts/logout", "/admin/", "/django-admin/", "/workflow/", "/i18n/", "/ngon-ngu/", "/static/", "/media/")
ENTRY_POINTS = {
    None: ["/", "/sitemap.xml", "/feeds/rss/"],
    "doanhnghiep": ["/cam-ket/cua-toi/", "/van-ban-di/hop-thu/"],
    "chuyenvien": ["/van-ban-di/", "/cam-ket/quan-ly/", "/van-ban/"],
    "giamdoc": ["/van-ban-di/"],
}
LIMIT = 400


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            if name in ("title", "alt", "aria-label", "placeholder", "content", "value") and value:
                self.text.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        return subprocess.run(["pdftotext", "-layout", pdf.name, "-"], capture_output=True, check=True).stdout.decode()


def _text(response) -> tuple[str, list[str]]:
    kind = response.get("Content-Type", "")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if "pdf" in kind:
        return _pdf_text(data), []
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(data), read_only=True)
        return " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v), []
    if "wordprocessingml" in kind:
        document = Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return " ".join([p.text for p in document.paragraphs] + cells), []
    text = data.decode("utf-8", "replace")
    if "html" not in kind:
        return text, re.findall(r"<loc>https?://[^/]+(/[^<]*)</loc>|<link>https?://[^/]+(/[^<]*)</link>", text)
    parser = _Links()
    parser.feed(text)
    return " ".join(parser.text), parser.links


def _historical_urls() -> set[str]:
    """Pages of documents and news dated before the reform: they keep the names they had."""
    old = set()
    for page in Page.objects.live().specific():
        when = getattr(page, "issued_date", None) or getattr(page, "date", None)
        if when and when < REFORM:
            old.add(page.url)
    return old


def _offences(text: str) -> list[str]:
    folded = fold(text)  # same length as the text: offsets carry over
    return [" ".join(text[max(0, m.start() - 60) : m.end() + 60].split()) for m in DISTRICT.finditer(folded)]


def _crawl(client, entry_points: list[str], historical: set[str]) -> dict[str, list[str]]:
    seen: set[str] = set()
    found: dict[str, list[str]] = {}
    queue = deque(entry_points)
    while queue and len(seen) < LIMIT:
        url = urldefrag(queue.popleft())[0]
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url in seen or url in historical or url.startswith(SKIPPED):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            continue
        text, links = _text(response)
        if bad := _offences(text):
            found[url] = bad[:3]
        queue.extend(link if isinstance(link, str) else next(p for p in link if p) for link in links)
    found["__pages__"] = sorted(seen)
    return found


@pytest.mark.django_db
def test_the_demo_shows_no_district_for_current_data(client, django_user_model):
    call_command("load_demo", stdout=io.StringIO())
    historical = _historical_urls()
    assert historical, "the seeds' 2020 documents should be there, as history"
    everything: set[str] = set()
    for username, entry_points in ENTRY_POINTS.items():
        client.logout()
        if username:
            client.force_login(django_user_model.objects.get(username=username))
        found = _crawl(client, entry_points, historical)
        pages = found.pop("__pages__")
        everything.update(pages)
        assert found == {}, f"«huyện» in current data seen by {username or 'the public'}: {found}"
    # the crawl really reached the pages, the exports and the generated documents it is meant to read
    for expected in (
        f"/cam-ket/quan-ly/chien-dich/{CAMPAIGN_SLUG}/",
        f"/cam-ket/quan-ly/chien-dich/{CAMPAIGN_SLUG}/xuat.xlsx",
        f"/cam-ket/quan-ly/chien-dich/{CAMPAIGN_SLUG}/xuat.pdf",
        f"/cam-ket/quan-ly/chien-dich/{CAMPAIGN_SLUG}/xuat.docx",
        "/cam-ket/quan-ly/don-vi/xuat.csv",
        "/cam-ket/quan-ly/don-vi/xuat.xlsx",
    ):
        assert expected in everything, expected
    assert any(u.startswith("/cam-ket/") and u.endswith(".pdf") for u in everything)
    assert any(u.startswith("/van-ban-di/") and "/ban/" in u for u in everything)  # the sealed công văn's PDF
    assert len(everything) > 80


def test_the_check_sees_every_spelling_of_the_district_level():
    text = "Bưu cục HUYỆN Bình Gia; huyen Cao Loc; Huyện Lộc Bình; chuyên viên truyền thông"
    assert len(_offences(text)) == 3
