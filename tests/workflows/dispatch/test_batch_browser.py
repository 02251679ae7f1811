"""Issue 15, done means: on a phone (390×844) a leader approves one document and batch-signs three — between the
clerk's batch numbering and batch sealing of those three — counting actions (≤ 4 per step after login); every page
on the way has no horizontal overflow, no serious or critical axe-core violation and no English UI word."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.urls import reverse

from tests.workflows.workspace.test_browser import _log_in, _problems
from workflows.dispatch.models import Stage

from .conftest import execute_url, open_task

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


class Counter:
    """Each click or typed field is one action of the person."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def click(self, locator) -> None:
        locator.click()
        self.count += 1

    def fill(self, locator, value: str) -> None:
        locator.fill(value)
        self.count += 1


@pytest.fixture
def waiting(driver, people, keys):
    """One document at the leader's approval, three approved and waiting for the clerk's number."""
    to_approve = driver.start(subject="V/v chờ lãnh đạo duyệt trên điện thoại")
    driver.submit(to_approve, subject="V/v chờ lãnh đạo duyệt trên điện thoại")
    driver.decide(people.head, to_approve, "review")
    batch = [driver.to_numbering(subject=f"V/v văn bản số {i + 1} xử lý hàng loạt") for i in range(3)]
    return to_approve, batch


def _batch(page, counter: Counter, live_server, link: str, button: str, problems: list[str], *, pin: str = "") -> float:
    """From Việc của tôi: the nav's batch link, "Chọn tất cả", (the PIN), the button; all three done; returns the
    seconds the submit took."""
    page.goto(f"{live_server.url}/viec-cua-toi/")
    counter.click(page.locator(".ws-nav__links a", has_text=link))
    page.wait_for_url("**/hang-loat/**")
    assert page.locator("[data-testid=batch-item]").count() == 3
    _clean(page, problems)
    counter.click(page.get_by_label("Chọn tất cả"))
    assert page.locator("input[name=tasks]:checked").count() == 3
    if pin:
        counter.fill(page.get_by_label("PIN ký số"), pin)
    started = time.monotonic()
    counter.click(page.get_by_role("button", name=button))
    page.locator(".ws-msg--success").wait_for()
    seconds = time.monotonic() - started
    said = page.inner_text(".ws-messages")
    assert "Chưa xong" not in said and "3 văn bản:" in said, said
    _clean(page, problems)
    return seconds


def _clean(page, problems: list[str]) -> None:
    problems += _problems(page, page.url)


def test_a_leader_approves_and_batch_signs_three_on_a_phone(browser, live_server, people, drafting_units, waiting):
    to_approve, batch = waiting
    problems: list[str] = []
    clerk_context, clerk = _log_in(browser, live_server, people.clerk)
    clerk.set_viewport_size(PHONE)
    number = Counter(clerk)
    number_seconds = _batch(clerk, number, live_server, "Cấp số hàng loạt", "Cấp số các văn bản đã chọn", problems)
    numbers = sorted(p.code_number for p in _fresh(batch))
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2], numbers  # consecutive, no gap

    context, page = _log_in(browser, live_server, people.leader)
    page.set_viewport_size(PHONE)
    page.reload()
    _clean(page, problems)

    # the approval, from Việc của tôi
    approve = Counter(page)
    item = page.locator("[data-testid=work-item]", has_text=to_approve.subject[:30])
    approve.click(item.get_by_role("button"))
    page.wait_for_url("**/execute/")
    _clean(page, problems)
    choice = page.locator("input[name=decision][value=approve]")
    if choice.count():
        approve.click(choice)
        approve.click(page.locator("form:has([name=decision]) button[type=submit]").first)
    else:  # the decision is the button itself
        approve.click(page.locator("button[name=decision][value=approve]"))
    page.wait_for_load_state()
    to_approve.refresh_from_db()
    assert to_approve.stage == Stage.NUMBERING, page.inner_text("body")[:1500]

    # the one-document pages the batch stands for are as clean (looked at, not acted on)
    first = batch[0]
    problems += _problems(page, live_server.url + execute_url(open_task(first, "sign")))
    problems += _problems(page, live_server.url + reverse("dispatch:external_sign", args=[first.pk]))
    assert "hai bước" in page.locator("h1").inner_text() and page.locator(".ws-nav").count() == 1

    # the batch signature, from the navigation: one PIN for the three
    sign = Counter(page)
    sign_seconds = _batch(
        page,
        sign,
        live_server,
        "Ký số hàng loạt",
        "Ký số các văn bản đã chọn",
        problems,
        pin=settings.SIGNING_DEV_SIGNING_PIN,
    )
    context.close()

    seal = Counter(clerk)
    seal_seconds = _batch(clerk, seal, live_server, "Đóng dấu hàng loạt", "Đóng dấu các văn bản đã chọn", problems)
    clerk_context.close()

    for process in _fresh(batch):
        assert process.stage == Stage.SENDING
        assert [r.kind for r in process.revisions.order_by("pk")][-3:] == ["final", "signed", "sealed"]
    print(
        f"clerk numbers 3: {number.count} actions, {number_seconds:.1f} s; leader approves 1: {approve.count} "
        f"actions; signs 3: {sign.count} actions, {sign_seconds:.1f} s; clerk seals 3: {seal.count} actions, "
        f"{seal_seconds:.1f} s"
    )
    assert max(number.count, approve.count, sign.count, seal.count) <= 4
    assert problems == [], "\n".join(problems)


def _fresh(processes):
    for process in processes:
        process.refresh_from_db()
    return processes
