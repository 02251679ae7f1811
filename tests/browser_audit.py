"""Content-Security-Policy audit for every browser test: each page of each context records the
`securitypolicyviolation` events the browser fires, and the test fails if there is any.

`tests.conftest.browser` hands out an `AuditedBrowser`, so every browser test in the suite is audited without
asking; `csp_violations` (the fixture) gives a test the list to assert on itself, e.g. to show a violation is
caught.
"""

from __future__ import annotations

import pytest

LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__vanthuCspViolation({
    page: location.href, directive: e.effectiveDirective, blocked: e.blockedURI,
    source: e.sourceFile, line: e.lineNumber, sample: e.sample,
  });
});
"""


class ViolationCollector:
    def __init__(self) -> None:
        self.violations: list[dict] = []

    def attach(self, context):
        context.expose_binding("__vanthuCspViolation", lambda _source, violation: self.violations.append(violation))
        context.add_init_script(LISTENER)
        return context


class AuditedBrowser:
    """A Playwright Browser whose every context (and page) reports its CSP violations to `collector`."""

    def __init__(self, browser, collector: ViolationCollector) -> None:
        self._browser = browser
        self.collector = collector

    def new_context(self, **kwargs):
        return self.collector.attach(self._browser.new_context(**kwargs))

    def new_page(self, **kwargs):
        context = self.new_context(**kwargs)
        page = context.new_page()
        page.on("close", lambda _page: context.close())
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def csp_violations(browser) -> list[dict]:
    """The violations recorded so far by the audited `browser` of this test (a live list)."""
    return browser.collector.violations


def assert_no_violations(collector: ViolationCollector) -> None:
    assert collector.violations == [], "Content-Security-Policy violations:\n" + "\n".join(
        f"  {v['page']}: {v['directive']} blocked {v['blocked']} ({v['source']}:{v['line']}) {v['sample']!r}"
        for v in collector.violations
    )
