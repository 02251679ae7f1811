"""The drafting page in headless Chromium, desktop and 390×844: type-aware fields (Căn cứ only for the types that
print it, never hidden while it holds text), no sideways scroll, no serious axe-core violation."""

from __future__ import annotations

import pytest

from tests.workflows.workspace.test_browser import VIEWPORTS, _log_in, _problems
from workflows.dispatch.flows import DispatchFlow
from workflows.dispatch.models import DispatchProcess, Stage

from .conftest import execute_url, open_task

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_cancu_follows_the_document_type(browser, live_server, people, drafting_units):
    context, page = _log_in(browser, live_server, people.author)
    url = f"{live_server.url}{DispatchFlow.start.reverse('execute')}"
    problems = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        problems += [f"{viewport['width']} px {p}" for p in _problems(page, url)]
    assert problems == [], "\n".join(problems)

    bases = page.locator("#field-legal_bases")
    page.select_option("#id_doc_type", "cong-van")
    assert not bases.is_visible()
    page.select_option("#id_doc_type", "ke-hoach")
    assert bases.is_visible()
    page.fill("#id_legal_bases", "Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010")
    page.select_option("#id_doc_type", "cong-van")
    assert bases.is_visible(), "a căn cứ already typed must stay in sight"
    assert page.locator("#field-legal_bases .draft-field__not-printed").is_visible()
    page.fill("#id_legal_bases", "")
    assert not bases.is_visible()
    context.close()


def test_recipients_are_picked_by_filtering_and_selecting_what_is_shown(browser, live_server, people, drafting_units):
    context, page = _log_in(browser, live_server, people.author)
    page.set_viewport_size(VIEWPORTS[1])  # a phone
    page.goto(f"{live_server.url}{DispatchFlow.start.reverse('execute')}")
    carriers = page.locator("#id_carriers")
    carriers.get_by_label("Tìm theo tên, loại hoặc xã, phường").fill("cao loc")  # no diacritics, as one types
    visible = carriers.locator("[data-picker-item]:visible")
    assert visible.count() == 1 and "Viettel Post Lạng Sơn" in visible.inner_text()
    carriers.get_by_role("button", name="Chọn tất cả đang hiện", exact=True).click()
    assert "Đã chọn 1 · đang hiện 1 trên 3" in carriers.locator("[data-picker-count]").inner_text()
    carriers.get_by_label("Tìm theo tên, loại hoặc xã, phường").fill("")
    assert carriers.locator("[data-picker-item]:visible").count() == 3
    carriers.get_by_label("Xếp theo").select_option("commune")
    heads = carriers.locator(".picker__subhead").all_inner_texts()
    assert heads == sorted(heads) and "Xã Tràng Định" in heads, heads
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width

    page.fill("#id_subject", "V/v chọn nơi nhận")
    page.fill("#id_body", "Nội dung./.")
    page.select_option("#id_signer", str(people.leader.pk))
    page.get_by_role("button", name="Tạo dự thảo").click()
    page.wait_for_url("**/draft/*/execute/")
    process = DispatchProcess.objects.get(subject="V/v chọn nơi nhận")
    assert [r.name for r in process.recipients.filter(kind="carrier")] == ["Viettel Post Lạng Sơn"]
    assert page.locator("#id_carriers input[type=checkbox]:checked").count() == 1  # the saved choice shown again

    # the document as page images: under the form on a phone, beside it on a desktop
    image = page.locator("[data-testid=doc-preview] img").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    form, preview = page.locator("form.dispatch-draft-form").bounding_box(), image.bounding_box()
    assert preview["y"] > form["y"] + form["height"] - 1
    page.set_viewport_size(VIEWPORTS[0])
    form, preview = page.locator("form.dispatch-draft-form").bounding_box(), image.bounding_box()
    assert preview["x"] >= form["x"] + form["width"] and preview["y"] < form["y"] + 200
    problems = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        problems += [f"{viewport['width']} px {p}" for p in _problems(page, page.url)]
    assert problems == [], "\n".join(problems)
    context.close()


def test_the_head_reads_the_changes_and_returns_in_one_action(browser, live_server, people, drafting_units, driver):
    process = driver.start()
    driver.submit(process)
    driver.decide(people.head, process, "review", "return", "Ghi rõ thời hạn báo cáo.")
    driver.submit(process, body="Sở đề nghị các doanh nghiệp báo cáo trước ngày 15/01/2026./.")
    driver.as_(people.head).take(process, "review")
    url = live_server.url + execute_url(open_task(process, "review"))

    context, page = _log_in(browser, live_server, people.head)
    problems = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        problems += [f"{viewport['width']} px {p}" for p in _problems(page, url)]
    assert problems == [], "\n".join(problems)
    changes = page.locator("[data-testid=changes]")
    assert "15/01/2026" in changes.locator("ins").all_inner_texts()[-1]
    image = page.locator("[data-testid=doc-preview] img").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())

    page.get_by_role("button", name="Trả lại để sửa").click()  # no comment yet: refused, in words
    assert "hãy ghi rõ ý kiến" in page.locator(".errorlist, .draft-errors").first.inner_text()
    page.fill("#id_comment", "Thêm căn cứ Chỉ thị 28.")
    page.get_by_role("button", name="Trả lại để sửa").click()
    page.wait_for_url(f"**/van-ban-di/{process.pk}/")
    process.refresh_from_db()
    assert process.stage == Stage.RETURNED and process.comments.last().text == "Thêm căn cứ Chỉ thị 28."
    context.close()


def test_without_script_every_field_shows_and_recipients_are_plain_checkboxes(browser, live_server, people, driver):
    """Progressive enhancement: with JavaScript off the page is still whole — Căn cứ shown (and refused for a
    công văn by the server), the recipients' checkboxes usable, no search tools left without a script behind them."""
    process = driver.start()
    driver.client.logout()
    context = browser.new_context(locale="vi-VN", java_script_enabled=False)
    context.add_cookies([{"name": "sessionid", "value": _session_for(driver, people.author), "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + execute_url(open_task(process, "draft")))
    assert page.locator("#field-legal_bases").is_visible()
    assert not page.locator("[data-picker-tools]").first.is_visible()
    page.check(f"input[name=carriers][value='{people.other_carrier.pk}']")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_load_state()
    names = set(process.recipients.filter(kind="carrier").values_list("name", flat=True))
    assert names == {people.carrier.name, people.other_carrier.name}
    context.close()


def _session_for(driver, user) -> str:
    driver.client.force_login(user)
    return driver.client.cookies["sessionid"].value
