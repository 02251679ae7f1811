"""Headless Chromium (Debian's, through Playwright) on the live portal: phone and desktop screenshots, no
horizontal overflow on phones, keyboard access, landmarks, alt texts and text contrast (WCAG 2.1 AA)."""

import io
import os
from pathlib import Path

import pytest

from cms import demo
from cms.services import publish_directive

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
PAGES = {
    "home": "/",
    "library": "/van-ban-chi-dao-dieu-hanh/",
    "directive": "/van-ban-chi-dao-dieu-hanh/chi-thi-28/",
    "search": "/search/?q=hang+cam",
}

# Contrast ratio of each visible text element against the first opaque background behind it.
CONTRAST_JS = """
() => {
  const lum = (c) => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const rgba = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const bg = (el) => { for (; el; el = el.parentElement) { const c = rgba(getComputedStyle(el).backgroundColor); if (c.length === 3 || c[3] > 0.9) return c.slice(0, 3); } return [255, 255, 255]; };
  const worst = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || getComputedStyle(el).visibility === "hidden" || el.closest(".visually-hidden, .skip-link")) continue;
    const a = lum(rgba(getComputedStyle(el).color).slice(0, 3)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(el.tagName + "." + el.className + ": " + ratio.toFixed(2));
  }
  return worst;
}
"""


@pytest.fixture
def portal(live_server, home, directive_kwargs):
    demo.load(io.StringIO())
    publish_directive(**directive_kwargs)
    return live_server.url


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_portal_in_chromium(portal, browser, tmp_path):
    out = SCREENSHOTS if os.environ.get("VANTHU_UPDATE_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    for device, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        page = context.new_page()
        for name, path in PAGES.items():
            response = page.goto(portal + path)
            assert response.status == 200, path
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (
                f"{path} overflows horizontally at {device} width"
            )
            for landmark in ("header", "nav", "main", "footer"):
                assert page.locator(landmark).count() >= 1, f"{path}: no <{landmark}>"
            assert page.locator("h1").count() == 1, path
            assert page.locator("img:not([alt])").count() == 0, path
            assert page.evaluate(CONTRAST_JS) == [], f"{path} at {device}: low contrast"
            page.screenshot(path=str(out / f"{name}-{device}.png"), full_page=True)
        context.close()

    page = browser.new_page(viewport=VIEWPORTS["phone"])
    page.goto(portal + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # the phone menu is collapsed behind its button and opens from the keyboard
    assert not page.locator(".nav-list").is_visible()
    page.focus(".nav-toggle")
    page.keyboard.press("Enter")
    assert page.locator(".nav-list").is_visible()
    assert page.get_attribute(".nav-toggle", "aria-expanded") == "true"

    page.goto(portal + PAGES["search"])
    assert page.locator(".result mark").count() > 0
    page.goto(portal + "/search/?q=28%2FCT-BTTTT")
    assert page.locator(".result__title a").first.get_attribute("href") == PAGES["directive"]

    page.goto(portal + "/van-ban-chi-dao-dieu-hanh/15-stttt-ttr-2026/")
    pdf_link = page.locator("a[download]")
    assert pdf_link.count() == 1 and pdf_link.get_attribute("href").endswith(".pdf")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert len(list(out.glob("*.png"))) >= len(PAGES) * len(VIEWPORTS)
