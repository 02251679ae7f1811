"""The clerk answers a sender's recall on a phone (headless Chromium, 390×844): the document page's notice, the
confirmation page, the refusal; each page checked for horizontal overflow, serious/critical axe-core violations,
server errors and English words."""

from __future__ import annotations

import pytest

from tests.factories import IncomingDocumentFactory
from tests.workflows.workspace.test_browser import _log_in, _problems
from workflows.incoming.models import Channel, RecallRequest, Status, StatusMessage

from .conftest import SENDER

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


def test_the_clerk_refuses_a_recall_on_a_phone(browser, live_server, people):
    document = IncomingDocumentFactory(
        channel=Channel.EDXML,
        issuer_organ_id=SENDER,
        issuer_name="Sở Thông tin và Truyền thông tỉnh Lạng Sơn",
        code="07/STTTT-TTr",
        sender_document_id=f"{SENDER},2026/11/30,07/STTTT-TTr",
        status=Status.ASSIGNED,
        subject="Về việc kiểm tra hoạt động bưu chính trên địa bàn tỉnh năm 2026",
    )
    recall = RecallRequest.objects.create(
        document=document,
        sender_organ_id=SENDER,
        sender_document_id=document.sender_document_id,
        reason="Văn bản ban hành nhầm, đề nghị thu hồi để ban hành lại",
        package="<edXML/>",
    )
    context, page = _log_in(browser, live_server, people.clerk)
    page.set_viewport_size(PHONE)
    detail = f"{live_server.url}/van-ban-den/{document.pk}/"
    assert _problems(page, detail) == []
    page.get_by_role("link", name="Quyết định thu hồi").click()
    page.wait_for_url(f"**/thu-hoi/{recall.pk}/")
    assert _problems(page, page.url) == []
    page.get_by_label("Từ chối thu hồi (mã 16): văn bản tiếp tục được giải quyết").check()
    page.fill("#id_note", "Văn bản đã được phân công giải quyết")
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(f"**/van-ban-den/{document.pk}/")
    assert "Đã từ chối thu hồi" in page.inner_text("body")
    assert _problems(page, page.url) == []
    recall.refresh_from_db()
    assert recall.state == RecallRequest.State.REFUSED
    assert StatusMessage.objects.get(document=document).code == "16"
    context.close()
