"""Issue 15, done means: one công văn taken through every role in Chromium, each step opened from Việc của tôi,
counting the person's actions; then the sealed PDF prints exactly the paragraphs and recipients typed.

An *action* is one thing the person does with the mouse or keyboard after logging in: a click on a link or
button (opening, choosing, submitting) or filling one field (one textarea, however many lines; one select; one
checkbox). The drafter's typing of the document itself — subject, Kính gửi, the paragraphs, each recipient
picked — is counted apart as *content*: it is the document, not the cost of the page. Every other step is asserted
to take ≤ 4 actions. Every page visited has no sideways scroll and no serious or critical axe-core violation.

Căn cứ: a công văn prints none (templates_docs.doctypes, has_legal_bases=False), so the test asserts the Căn cứ
field is not offered for it and checks paragraphs and recipients only (a plan's căn cứ are printed-checked in
test_typed_is_printed.py).
"""

from __future__ import annotations

import time

import pytest

from tests.workflows.workspace.test_browser import _log_in, _problems
from workflows.dispatch.models import DispatchProcess, Stage

from .test_typed_is_printed import between, printed_lines

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SUBJECT = "V/v kiểm tra bưu gửi dịp cuối năm"
PARAGRAPHS = [
    "Sở Thông tin và Truyền thông đề nghị các đơn vị thực hiện:",
    "Kiểm tra nội dung bưu gửi khi chấp nhận trong dịp cuối năm.",
    "Báo cáo kết quả về Sở trước ngày 15/01/2027./.",
]


class Walk:
    """The person's actions, counted per step; every page reached is audited (overflow, axe)."""

    def __init__(self, live_server) -> None:
        self.live_server = live_server
        self.counts: dict[str, int] = {}
        self.content = 0
        self.problems: list[str] = []
        self.step = ""

    def begin(self, step: str) -> None:
        self.step = step
        self.counts[step] = 0

    def act(self, do, *args) -> None:
        do(*args)
        self.counts[self.step] += 1

    def type_content(self, locator, value: str) -> None:
        locator.fill(value)
        self.content += 1

    def audit(self, page) -> None:
        page.wait_for_load_state()
        self.problems += [f"{self.step}: {p}" for p in _problems(page, page.url)]

    def open_from_my_work(self, page) -> None:
        """Việc của tôi → the document's Xử lý / Nhận và xử lý button (one action)."""
        page.goto(f"{self.live_server.url}/viec-cua-toi/")
        self.audit(page)
        item = page.locator("[data-testid=work-item]", has_text=SUBJECT[:30])
        self.act(item.locator("button.ws-open").click)
        page.wait_for_url("**/execute/")
        self.audit(page)

    def submit(self, page, button) -> None:
        self.act(button.click)
        page.wait_for_url("**/van-ban-di/*/")
        errors = page.locator(".errorlist, .draft-errors, .ws-msg--error").all_inner_texts()
        assert not errors, (self.step, errors)
        self.audit(page)


def test_one_dispatch_through_every_role_from_my_work(browser, live_server, people, keys, drafting_units, settings):
    settings.SITE_URL = live_server.url
    started = time.monotonic()
    walk = Walk(live_server)

    # chuyên viên: Việc của tôi → Soạn văn bản mới, types it, picks recipients, creates the draft and submits
    context, page = _log_in(browser, live_server, people.author)
    walk.begin("chuyên viên soạn và trình")
    walk.audit(page)
    walk.act(page.locator("[data-testid=start-link]", has_text="Soạn văn bản mới").click)
    page.wait_for_url("**/dispatch/start/")
    walk.audit(page)
    assert page.locator("#id_doc_type").input_value() == "cong-van"
    assert not page.locator("#field-legal_bases").is_visible(), "a công văn prints no căn cứ: the field is not offered"
    walk.type_content(page.locator("#id_subject"), SUBJECT)
    walk.type_content(page.locator("#id_addressees"), "Như nơi nhận")
    walk.type_content(page.locator("#id_body"), "\n".join(PARAGRAPHS))
    for picked in ("Phòng Bưu chính, Viễn thông", people.carrier.name, people.other_carrier.name):
        walk.content += 1
        page.locator("[data-picker-item]", has_text=picked).locator("input[type=checkbox]").check()
    walk.act(page.select_option, "#id_signer", str(people.leader.pk))
    walk.act(page.get_by_role("button", name="Tạo dự thảo").click)
    page.wait_for_url("**/draft/*/execute/")
    walk.audit(page)
    walk.submit(page, page.get_by_role("button", name="Trình trưởng phòng"))
    process = DispatchProcess.objects.get(subject=SUBJECT)
    assert process.stage == Stage.REVIEWING, process.stage
    context.close()

    # trưởng phòng approves on the review page
    context, page = _log_in(browser, live_server, people.head)
    walk.begin("trưởng phòng duyệt")
    walk.open_from_my_work(page)
    walk.submit(page, page.locator("button[name=decision][value=approve]"))
    context.close()

    # lãnh đạo approves
    leader_context, leader = _log_in(browser, live_server, people.leader)
    walk.begin("lãnh đạo duyệt")
    walk.open_from_my_work(leader)
    walk.submit(leader, leader.locator("button[name=decision][value=approve]"))

    # văn thư numbers (today's date is proposed)
    clerk_context, clerk = _log_in(browser, live_server, people.clerk)
    walk.begin("văn thư cấp số")
    walk.open_from_my_work(clerk)
    walk.submit(clerk, clerk.locator("form.dispatch-step-form button[type=submit]"))
    process.refresh_from_db()
    assert process.stage == Stage.SIGNING and process.number, (process.stage, process.number)

    # lãnh đạo signs: his only signing method is preselected, the PIN is typed
    walk.begin("lãnh đạo ký số")
    walk.open_from_my_work(leader)
    walk.act(leader.get_by_label("PIN ký số").fill, settings.SIGNING_DEV_SIGNING_PIN)
    walk.submit(leader, leader.locator("form.dispatch-step-form button[type=submit]"))
    leader_context.close()

    # văn thư seals, then sends
    walk.begin("văn thư đóng dấu")
    walk.open_from_my_work(clerk)
    walk.submit(clerk, clerk.locator("form.dispatch-step-form button[type=submit]"))
    walk.begin("văn thư phát hành")
    walk.open_from_my_work(clerk)
    walk.submit(clerk, clerk.locator("form.dispatch-step-form button[type=submit]"))
    process.refresh_from_db()
    assert process.stage == Stage.SENT, process.stage

    # the sealed revision, downloaded from the document's page (a check, not counted)
    with clerk.expect_download() as download:
        clerk.locator("a.download-revision[data-kind=sealed]").click()
    with open(download.value.path(), "rb") as downloaded:
        pdf = downloaded.read()
    clerk_context.close()
    seconds = time.monotonic() - started
    print(f"actions per step: {walk.counts}; drafter's content fields: {walk.content}; {seconds:.0f} s")

    lines = printed_lines(pdf)
    body = between(lines, "Kính gửi:", "Nơi nhận:")
    assert body == PARAGRAPHS, body  # each paragraph once, in order, nothing else between
    recipients = between(lines, "Nơi nhận:", "GIÁM ĐỐC")
    for name in ("Phòng Bưu chính, Viễn thông", people.carrier.name, people.other_carrier.name):
        assert sum(name in line for line in recipients) == 1, (name, recipients)
    assert walk.problems == [], "\n".join(walk.problems)
    # drafting is two pages (create the draft, then submit it): open, signer, create, submit besides the content
    assert all(count <= 4 for count in walk.counts.values()), walk.counts
