"""End to end in headless Chromium: one dispatch walked through every step, each by the right person."""

from __future__ import annotations

import pytest

from core import second_factor
from tests.auth_support import authenticator, current_code
from workflows.dispatch.models import DispatchProcess, DispatchRecipient, Stage

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


@pytest.fixture
def login(browser, live_server):
    contexts = []

    def _login(user):
        context = browser.new_context(locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        if second_factor.requires_second_factor(user):
            authenticator(user)  # enrolled before: this test is about the dispatch, not the enrolment
        page.goto(f"{live_server.url}/accounts/login/?next=/van-ban-di/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        if second_factor.requires_second_factor(user):  # leadership and the clerk: the authenticator's code
            page.wait_for_url("**/tai-khoan/ma-xac-thuc/**")
            page.fill("#id_code", current_code(authenticator(user)))
            page.get_by_role("button", name="Xác nhận").click()
        page.wait_for_url("**/van-ban-di/")
        return page

    yield _login
    for context in contexts:
        context.close()


def _do_my_task(page, subject: str) -> None:
    """From the task list, open the task of this dispatch (taking it from the queue if needed)."""
    page.goto(page.url.split("/van-ban-di/")[0] + "/van-ban-di/")
    row = page.locator("tr.task-row", has_text=subject[:40])
    row.locator("button.take").click()
    page.wait_for_url("**/execute/")


def _submit_step(page, button: str = "") -> None:
    """Press the step's button (the only one, or the one named: approve and return are two buttons)."""
    buttons = page.locator("form.dispatch-step-form button[type=submit]")
    (buttons.filter(has_text=button).first if button else buttons).click()
    page.wait_for_load_state()
    errors = page.locator(".messages .error, .errorlist").all_inner_texts()
    assert not errors, errors
    page.wait_for_url("**/van-ban-di/*/")


def test_one_dispatch_through_every_step(login, people, keys, drafting_units, live_server, settings):
    settings.SITE_URL = live_server.url
    subject = "V/v tăng cường kiểm soát bưu gửi dịp cao điểm"

    # 1. the author drafts, previews the DỰ THẢO PDF and submits
    page = login(people.author)
    page.click("#new-dispatch")
    page.select_option("#id_doc_type", "cong-van")
    page.fill("#id_subject", subject)
    page.fill("#id_addressees", "Các doanh nghiệp bưu chính trên địa bàn tỉnh")
    page.fill("#id_body", "Sở đề nghị các doanh nghiệp kiểm soát chặt bưu gửi./.")
    page.select_option("#id_urgency", "khan")
    page.select_option("#id_signer", str(people.leader.pk))
    page.select_option("#id_drafting_unit", "TTr")
    page.check(f"input[name=carriers][value='{people.carrier.pk}']")
    page.check("#id_is_public")
    page.get_by_role("button", name="Tạo dự thảo").click()
    page.wait_for_url("**/draft/*/execute/")
    page.fill("#id_body", "Sở đề nghị các doanh nghiệp kiểm soát chặt bưu gửi dịp cao điểm./.")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_selector("a.download-revision[data-kind=draft]")
    page.get_by_role("button", name="Trình trưởng phòng").click()
    page.wait_for_url("**/van-ban-di/*/")
    assert "Chờ trưởng phòng duyệt" in page.content()
    process = DispatchProcess.objects.get(subject=subject)

    # 2. the head returns it with a comment; 3. the author revises and resubmits
    page = login(people.head)
    _do_my_task(page, subject)
    page.fill("#id_comment", "Ghi rõ thời hạn báo cáo.")
    _submit_step(page, "Trả lại để sửa")
    page = login(people.author)
    _do_my_task(page, subject)
    assert "Ghi rõ thời hạn báo cáo." in page.locator(".returned-comment").inner_text()
    page.fill("#id_body", "Sở đề nghị các doanh nghiệp kiểm soát chặt bưu gửi, báo cáo trước ngày 31/01./.")
    page.get_by_role("button", name="Trình trưởng phòng").click()
    page.wait_for_url("**/van-ban-di/*/")

    # 4. the head approves; 5. the leader approves
    page = login(people.head)
    _do_my_task(page, subject)
    assert "Những gì đã sửa từ phiên bản 1 bị trả lại" in page.locator("[data-testid=changes]").inner_text()
    _submit_step(page, "Đồng ý")
    leader = login(people.leader)
    _do_my_task(leader, subject)
    _submit_step(leader, "Đồng ý")

    # 6. the clerk numbers; 7. the leader signs; 8. the clerk seals and sends
    clerk = login(people.clerk)
    _do_my_task(clerk, subject)
    _submit_step(clerk)
    assert "01/STTTT-TTr" in clerk.content()
    _do_my_task(leader, subject)
    leader.get_by_label("PIN ký số").fill(settings.SIGNING_DEV_SIGNING_PIN)  # his only method is preselected
    _submit_step(leader)
    _do_my_task(clerk, subject)
    _submit_step(clerk)
    _do_my_task(clerk, subject)
    _submit_step(clerk)
    assert "Đã phát hành" in clerk.content()
    # every revision is listed with its hash and downloadable (a download, never a page of the site)
    with clerk.expect_download() as download:
        clerk.locator("a.download-revision[data-kind=sealed]").click()
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read() == process.latest_revision("sealed").pdf.read()

    process.refresh_from_db()
    assert process.stage == Stage.SENT and process.number == "01/STTTT-TTr"
    assert process.published_at is not None

    # 9. the carrier finds it in its inbox and acknowledges it
    carrier = login(people.carrier_user)
    carrier.goto(f"{live_server.url}/van-ban-di/hop-thu/")
    carrier.get_by_role("link", name=subject[:40]).click()
    carrier.click("#acknowledge")
    carrier.wait_for_selector(".acknowledged")
    line = process.recipients.get(kind=DispatchRecipient.Kind.CARRIER)
    assert line.acknowledged_by == people.carrier_user

    # 10. the public directives library shows it
    public = login(people.author)
    public.goto(f"{live_server.url}{process_page_url(process)}")
    assert "01/STTTT-TTr" in public.content()


def process_page_url(process) -> str:
    from cms.models import DirectivePage

    return DirectivePage.objects.get(source_key=f"dispatch:{process.pk}").url
