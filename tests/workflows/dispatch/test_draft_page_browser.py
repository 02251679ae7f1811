"""The drafting page in headless Chromium, desktop and 390×844: type-aware fields (Căn cứ only for the types that
print it, never hidden while it holds text), no sideways scroll, no serious axe-core violation."""

from __future__ import annotations

import pytest

from tests.workflows.workspace.test_browser import VIEWPORTS, _log_in, _problems
from workflows.dispatch.flows import DispatchFlow

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
