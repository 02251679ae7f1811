"""The drafting page in headless Chromium, desktop and 390×844: type-aware fields (Căn cứ only for the types that
print it, never hidden while it holds text), no sideways scroll, no serious axe-core violation."""

from __future__ import annotations

import pytest

from tests.workflows.workspace.test_browser import VIEWPORTS, _log_in, _problems
from workflows.dispatch.flows import DispatchFlow
from workflows.dispatch.models import DispatchProcess

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
    context.close()
