"""Việc của tôi in headless Chromium, as each staff role, at desktop width and at 390×844: the page, every page of
its navigation, every page those link to inside the staff area (one page per URL shape: /van-ban-di/7/ stands for
every dispatch) and the step form of each work item are free of horizontal overflow, serious or critical axe-core
violations, server errors and viewflow's English words."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from playwright.sync_api import Error as PlaywrightError

from core import second_factor
from tests.auth_support import authenticator, current_code

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory
VIEWPORTS = ({"width": 1280, "height": 800}, {"width": 390, "height": 844})
ENGLISH = ("Inbox", "Queue", "Archive", "Processes", "Execute", "Assign", "Back", "Task", "Brief", "minutes", "Log out")
AXE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


@pytest.fixture
def waiting(driver, people):
    """Something in each role's list: a draft (author), a review (head), an approval (leader), a number (clerk)."""
    driver.start(subject="V/v dự thảo đang soạn")
    review = driver.start(subject="V/v chờ trưởng phòng duyệt")
    driver.submit(review, subject="V/v chờ trưởng phòng duyệt")
    approve = driver.start(subject="V/v chờ lãnh đạo duyệt")
    driver.submit(approve, subject="V/v chờ lãnh đạo duyệt")
    driver.decide(people.head, approve, "review")
    driver.to_numbering(subject="V/v chờ văn thư cấp số")


def _log_in(browser, live_server, user):
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    if second_factor.requires_second_factor(user):
        authenticator(user)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    if second_factor.requires_second_factor(user):
        page.wait_for_url("**/tai-khoan/ma-xac-thuc/**")
        page.fill("#id_code", current_code(authenticator(user)))
        page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/viec-cua-toi/")  # staff land on their work
    return context, page


STAFF_AREAS = ("/viec-cua-toi/", "/van-ban-di/", "/van-ban-den/", "/cam-ket/quan-ly/", "/workflow/", "/tai-khoan/")
NOT_PAGES = ("export=", "/tep", "/ban/", "/phu-luc/", "/edxml/", ".pdf", ".png", ".xlsx", "/logout", "/dang-xuat")
MAX_PAGES = 24


def _shape(url: str) -> str:
    path = url.split("#")[0].split("?")[0]
    return re.sub(r"/\d+/", "/N/", re.sub(r"/\d+/", "/N/", path))


def _staff_links(page, origin: str) -> list[str]:
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    return [
        h.split("#")[0]
        for h in hrefs
        if h.startswith(origin)
        and any(h[len(origin) :].startswith(area) for area in STAFF_AREAS)
        and not any(marker in h for marker in NOT_PAGES)
    ]


def _reachable(page, origin: str, start: list[str]) -> list[str]:
    """The staff pages reachable from `start` by links, one per URL shape, breadth first, at most MAX_PAGES."""
    seen, queue, pages = set(), list(start), []
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        try:
            response = page.goto(url)
        except PlaywrightError:  # a file download, not a page
            continue
        pages.append(url)  # a server error is reported by _problems
        if response is None or response.status >= 400:
            continue
        queue += [link for link in _staff_links(page, origin) if _shape(link) not in seen]
    return pages


def _problems(page, url: str) -> list[str]:
    response = page.goto(url)
    found = []
    if response is None or response.status >= 500:
        found.append(f"{url}: server error {response and response.status}")
        return found
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width[0] > width[1]:
        found.append(f"{url}: overflows horizontally ({width[0]} px in {width[1]} px)")
    page.evaluate(AXE)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"][:3]]
            found.append(f"{url}: axe {violation['impact']} {violation['id']} {targets}")
    text = page.inner_text("body")
    for word in ENGLISH:
        if re.search(rf"\b{re.escape(word)}\b", text):
            found.append(f"{url}: English word {word!r} visible")
    return found


@pytest.mark.parametrize("who", ["author", "head", "leader", "clerk"])
def test_the_workspace_and_its_nav_pages_are_clean(browser, live_server, people, drafting_units, waiting, who):
    user = getattr(people, who)
    context, page = _log_in(browser, live_server, user)
    assert page.locator("[data-testid=work-item]").count() >= 1
    assert page.locator("[data-testid=work-count]").inner_text() == str(page.locator("[data-testid=work-item]").count())
    links = page.locator(".ws-nav__links a").evaluate_all("links => links.map(a => a.href)")
    assert len(links) >= 4, links
    # the step form of the first work item (opening it takes a queued task, as a person's click does)
    page.locator("[data-testid=work-item] form button").first.click()
    page.wait_for_load_state()
    step = page.url
    pages = _reachable(page, live_server.url, [step, *links])
    assert step in pages and len(pages) > len(links), pages
    problems = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        for url in pages:
            problems += [f"{viewport['width']} px {p}" for p in _problems(page, url)]
    context.close()
    assert problems == [], "\n".join(problems)
