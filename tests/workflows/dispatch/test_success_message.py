"""A finished step says so once, inline at the top of the page it lands on: no toast over the form repeating it
(issue 15's walk: viewflow's snackbar covered the form and repeated the inline message)."""

from __future__ import annotations

from tests.workflows.dispatch.conftest import _today


def test_a_done_step_says_so_once_and_inline(driver, people, keys):
    process = driver.to_numbering()
    response = driver.do(people.clerk, process, "number", {"issued_date": _today()})
    assert response.status_code == 302
    html = driver.client.get(response.url, follow=True).content.decode()
    message = f"Đã cấp số {process.number}"
    assert html.count(message) == 1, html.count(message)
    assert "snackbar" not in html
    assert html.index('role="status"') < html.index(message)  # in the inline status list, not a floating toast
