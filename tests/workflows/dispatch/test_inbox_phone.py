"""A carrier reads its inbox on a phone (issue 15's walk: four table columns squeezed into 390 px): at 390 px each
document is one full-width block, the subject readable on its own line, with no sideways scroll."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


def test_carrier_inbox_is_one_block_per_document_on_a_phone(issued, people, browser, live_server):
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/?next=/van-ban-di/hop-thu/")
        page.fill("#id_username", people.carrier_user.username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/van-ban-di/hop-thu/")
        link = page.get_by_role("link", name=issued.subject[:40])
        box = link.bounding_box()
        assert box is not None
        row = page.locator("table.inbox tbody tr").first.bounding_box()
        assert row["width"] >= 300, f"the row is {row['width']} px wide"
        # the subject gets (almost) the whole width, not a quarter of it
        cell = page.locator("table.inbox tbody tr td", has=link).bounding_box()
        assert cell["width"] >= 300, f"the subject's cell is {cell['width']} px wide"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
    finally:
        context.close()
