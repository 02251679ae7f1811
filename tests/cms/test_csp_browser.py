"""The site-wide Content-Security-Policy in Chromium: the main public pages, the verification page, the staff
workspace and the Wagtail admin (its page editor, Draftail included) load with no `securitypolicyviolation`
(tests.browser_audit collects them for every browser test; this one visits the pages no flow test opens)."""

import io

import pytest
from django.urls import reverse

from cms import demo
from cms.models import CampaignPage
from cms.services import publish_directive
from core.roles import Role
from tests.auth_support import authenticator, current_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PUBLIC = [
    "/",
    "/van-ban-chi-dao-dieu-hanh/",
    "/van-ban-chi-dao-dieu-hanh/chi-thi-28/",
    "/search/?q=hang+cam",
    "/xac-thuc/",
    "/khong-co-trang-nay/",
]
STAFF = ["/workflow/", "/van-ban-di/", "/cam-ket/quan-ly/", "/cam-ket/quan-ly/don-vi/", "/admin/", "/admin/pages/"]


@pytest.fixture
def portal(live_server, home, directive_kwargs):
    demo.load(io.StringIO())
    publish_directive(**directive_kwargs)
    return live_server.url


def _directives(header: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def _visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_public_staff_and_admin_pages_have_no_csp_violation(portal, browser, csp_violations, make_user, client):
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    for path in PUBLIC:
        response = page.goto(portal + path)
        policy = _directives(response.headers["content-security-policy"])
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], path
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], path
        page.wait_for_load_state("networkidle")
    staff = make_user(Role.STAFF, username="csp-staff", is_staff=True, is_superuser=True)
    staff.set_password("mat-khau-thu-nghiem-1")
    staff.save()
    authenticator(staff)  # enrolled before: this test is about the policy, not the enrolment
    page.goto(portal + reverse("login"))
    page.fill("input[name=username]", "csp-staff")
    page.fill("input[name=password]", "mat-khau-thu-nghiem-1")
    page.locator("form [type=submit]").first.click()
    # a superuser passes the second factor with the authenticator's code, as any administrator does
    page.wait_for_url("**/tai-khoan/ma-xac-thuc/**")
    page.fill("#id_code", current_code(authenticator(staff)))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state("networkidle")
    for path in STAFF:
        _visit(page, portal + path)
        assert "/tai-khoan/" not in page.url, page.url  # the page itself, not a second-factor page
    # the page editor with its rich-text (Draftail) fields
    campaign = CampaignPage.objects.first()
    _visit(page, f"{portal}/admin/pages/{campaign.pk}/edit/")
    assert page.locator("[data-draftail-input], .Draftail-Editor").count() >= 1
    assert csp_violations == []
    context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_audit_sees_an_inline_script(portal, browser, csp_violations):
    page = browser.new_page()
    _visit(page, portal + "/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.x") is None
    assert [v["directive"] for v in csp_violations] == ["script-src-elem"]
    csp_violations.clear()  # seen; the fixture's final check stays for everything else
    page.close()
