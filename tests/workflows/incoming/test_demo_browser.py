"""Issue 16, done means: the demo chain walked in Chromium through every role — the clerk registers a signed PDF
(read from the file, confirmed), the leader directs it from Việc của tôi on a 390×844 phone (chủ trì, phối hợp,
deadline), the head of the unit in charge assigns it, the handler writes a proposal, starts the reply (the draft
opens prefilled) and closes; the clerk exports both registers. Actions are counted per role and step (≤ 4 after
login); every page on the way has no horizontal overflow, no serious or critical axe-core violation and no English
UI word."""

from __future__ import annotations

import io
import re
import time

import openpyxl
import pytest

from tests.workflows.workspace.test_browser import AXE, ENGLISH, _log_in, _problems
from workflows.incoming.demo import signed_directive
from workflows.incoming.exports import COLUMNS, TRACKING_COLUMNS
from workflows.incoming.models import IncomingDocument, Opinion, Status

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


class Counter:
    """Each click, chosen file or typed field is one action of the person."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator) -> None:
        locator.click()
        self.count += 1

    def check(self, locator) -> None:
        locator.check()
        self.count += 1

    def fill(self, locator, value: str) -> None:
        locator.fill(value)
        self.count += 1

    def choose(self, locator, **option) -> None:
        locator.select_option(**option)
        self.count += 1

    def upload(self, locator, files) -> None:
        locator.set_input_files(files)
        self.count += 1


def _problems_here(page) -> list[str]:
    """`_problems` of the page as it is (the answer to a POST, which a new GET would not show)."""
    found = []
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width[0] > width[1]:
        found.append(f"{page.url} (after POST): overflows horizontally ({width[0]} px in {width[1]} px)")
    page.evaluate(AXE)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"][:3]]
            found.append(f"{page.url} (after POST): axe {violation['impact']} {violation['id']} {targets}")
    text = page.inner_text("body")
    found += [f"{page.url} (after POST): English word {w!r} visible" for w in ENGLISH if re.search(rf"\b{w}\b", text)]
    return found


def _open_from_my_work(page, counter: Counter, live_server, subject: str) -> None:
    page.goto(f"{live_server.url}/viec-cua-toi/")
    item = page.locator("[data-testid=work-item]", has_text=subject[:40])
    counter.click(item.get_by_role("button"))
    page.wait_for_url("**/execute/**")


def _xlsx(page, link_text: str, counter: Counter) -> list[list[str]]:
    with page.expect_download() as download:
        counter.click(page.get_by_role("link", name=link_text, exact=True))
    assert download.value.suggested_filename.endswith(".xlsx"), download.value.suggested_filename
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    return [[str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]


def test_the_demo_chain_through_every_role(browser, live_server, people, drafting_units, keys):
    started_at = time.monotonic()
    pdf = signed_directive()
    problems: list[str] = []
    counts: dict[str, int] = {}

    def clean(page) -> None:
        """The page at its user's width, and at a phone's for those on a desktop."""
        problems.extend(_problems(page, page.url))
        size = page.viewport_size
        if size != PHONE:
            page.set_viewport_size(PHONE)
            problems.extend(f"390 px {p}" for p in _problems(page, page.url))
            page.set_viewport_size(size)

    # the clerk registers the signed PDF: the form is filled from the file, the clerk confirms
    clerk_context, clerk = _log_in(browser, live_server, people.clerk)
    clerk.set_viewport_size(DESKTOP)
    register = Counter()
    clerk.goto(f"{live_server.url}/van-ban-den/")
    clean(clerk)
    register.click(clerk.get_by_role("link", name="Vào sổ văn bản đến"))
    clean(clerk)
    register.upload(
        clerk.get_by_label("Tệp PDF hoặc bản quét"),
        {"name": "28-CT-BTTTT.pdf", "mimeType": "application/pdf", "buffer": pdf},
    )
    register.click(clerk.get_by_role("button", name="Vào sổ", exact=True))
    clerk.locator("#prefill-title").wait_for()
    assert clerk.get_by_label("Số, ký hiệu").input_value() == "28/CT-BTTTT"
    problems.extend(_problems_here(clerk))
    register.click(clerk.get_by_role("button", name="Vào sổ", exact=True))
    clerk.wait_for_url("**/van-ban-den/*/")
    counts["văn thư vào sổ"] = register.count
    document = IncomingDocument.objects.get()
    assert (document.display_number, document.status, document.code) == ("01", Status.PRESENTED, "28/CT-BTTTT")
    clean(clerk)

    # the leader directs it from Việc của tôi on a phone: Thanh tra Sở in charge, BCVT cooperating, the deadline
    leader_context, leader = _log_in(browser, live_server, people.leader)
    leader.set_viewport_size(PHONE)
    clean(leader)
    direct = Counter()
    _open_from_my_work(leader, direct, live_server, document.subject)
    clean(leader)
    proposed = leader.get_by_label("Hạn giải quyết").input_value()
    assert proposed, "the direction page proposes a deadline"
    direct.check(leader.locator("input[name=lead_unit][value=TTr]"))
    direct.check(leader.locator("input[name=cooperating_units][value=BCVT]"))
    direct.click(leader.get_by_role("button", name="Chuyển giải quyết"))
    leader.wait_for_url("**/van-ban-den/*/")
    counts["lãnh đạo chỉ đạo (điện thoại)"] = direct.count
    clean(leader)
    leader_context.close()
    document.refresh_from_db()
    assert document.status == Status.DIRECTED and document.deadline.isoformat() == proposed
    assert (document.process.lead_unit, document.process.cooperating_units) == ("TTr", ["BCVT"])

    # the head of Thanh tra Sở assigns the handler
    head_context, head = _log_in(browser, live_server, people.head)
    head.set_viewport_size(DESKTOP)
    assign = Counter()
    _open_from_my_work(head, assign, live_server, document.subject)
    clean(head)
    assign.choose(head.get_by_label("Người giải quyết"), label=people.author.get_full_name())
    assign.click(head.get_by_role("button", name="Phân công"))
    head.wait_for_url("**/van-ban-den/*/")
    counts["trưởng phòng phân công"] = assign.count
    clean(head)
    head_context.close()
    document.refresh_from_db()
    assert document.status == Status.ASSIGNED and document.process.handler == people.author

    # the handler writes a proposal, starts the reply (prefilled) and closes
    handler_context, handler = _log_in(browser, live_server, people.author)
    handler.set_viewport_size(DESKTOP)
    propose = Counter()
    _open_from_my_work(handler, propose, live_server, document.subject)
    clean(handler)
    proposal = "Đề xuất ban hành công văn triển khai Chỉ thị đến các doanh nghiệp bưu chính trên địa bàn."
    propose.fill(handler.get_by_label("Ý kiến", exact=True), proposal)
    propose.click(handler.get_by_role("button", name="Ghi ý kiến"))
    handler.wait_for_url("**/van-ban-den/*/")
    counts["chuyên viên đề xuất"] = propose.count
    clean(handler)
    assert document.opinions.filter(level=Opinion.Level.HANDLER, text=proposal).exists()

    reply = Counter()
    reply.click(handler.get_by_role("link", name="Soạn văn bản trả lời"))
    handler.wait_for_url("**tra-loi=*")
    subject = handler.locator("[name=subject]").input_value()
    assert subject.startswith("V/v trả lời Chỉ thị số 28/CT-BTTTT"), subject
    assert "Bộ Thông tin và Truyền thông" in handler.locator("[name=addressees]").input_value()
    assert handler.locator(".answers").inner_text().count(document.code) >= 1
    clean(handler)
    reply.choose(handler.get_by_label("Lãnh đạo ký"), value=str(people.leader.pk))
    reply.click(handler.get_by_role("button", name="Tạo dự thảo"))
    handler.wait_for_url("**/execute/**")
    counts["chuyên viên soạn trả lời"] = reply.count
    clean(handler)
    answer = document.replies.get()
    assert answer.subject == subject

    close = Counter()
    _open_from_my_work(handler, close, live_server, document.subject)
    clean(handler)
    close.fill(handler.get_by_label("Kết quả giải quyết"), "Đã dự thảo công văn trả lời, trình lãnh đạo ký.")
    close.click(handler.get_by_role("button", name="Kết thúc giải quyết"))
    handler.wait_for_url("**/van-ban-den/*/")
    counts["chuyên viên kết thúc"] = close.count
    clean(handler)
    handler_context.close()
    document.refresh_from_db()
    assert document.status == Status.DONE

    # the clerk exports both registers
    export = Counter()
    clerk.goto(f"{live_server.url}/van-ban-den/")
    export.click(clerk.get_by_role("link", name="Sổ đăng ký văn bản đến"))
    clean(clerk)
    register_rows = _xlsx(clerk, "XLSX", export)
    export.click(clerk.get_by_role("link", name="Sổ theo dõi giải quyết văn bản đến"))
    clean(clerk)
    tracking_rows = _xlsx(clerk, "XLSX", export)
    counts["văn thư xuất hai sổ"] = export.count
    for rows, columns in ((register_rows, COLUMNS), (tracking_rows, TRACKING_COLUMNS)):
        cells = [cell for row in rows for cell in row]
        missing = [heading for heading, _mm, _chars in columns if heading not in cells]
        assert missing == [], missing
        line = [row for row in rows if document.code in " ".join(row)]
        assert len(line) == 1, rows
    for book in ("so", "so-theo-doi"):
        response = clerk.request.get(f"{live_server.url}/van-ban-den/{book}/?export=pdf")
        assert response.status == 200 and response.body().startswith(b"%PDF-"), book
    clerk_context.close()

    seconds = time.monotonic() - started_at
    print(f"demo chain in {seconds:.1f} s; actions: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    assert max(counts.values()) <= 4, counts
    assert problems == [], "\n".join(problems)
