"""End to end in headless Chromium at a phone viewport: method a, method c, and wrong uploads refused."""

from __future__ import annotations

import pytest
from django.core import mail

from signing import services as signing
from workflows.pledges.models import Pledge
from workflows.pledges.services import invitations

from .conftest import last_code, offline_sign

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def _unlock(page, live_server, pledge: Pledge) -> None:
    token = invitations.new_invitation_token(pledge=pledge)
    page.goto(f"{live_server.url}/cam-ket/moi/{token}/")
    page.get_by_test_id("send-code").click()
    page.get_by_label("Mã xác thực").fill(last_code(pledge.carrier.email))
    page.get_by_test_id("verify-code").click()
    page.wait_for_url(f"**/cam-ket/{pledge.public_id}/")


def _modified(pdf: bytes) -> bytes:
    """The pledge with one byte of its trailer edited in place (same length, the file still opens everywhere)."""
    at = pdf.index(b"/DocChecksum /") + len(b"/DocChecksum /")
    return pdf[:at] + (b"0" if pdf[at : at + 1] != b"0" else b"1") + pdf[at + 1 :]


def _draw(page) -> None:
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] * (0.3 + 0.04 * (step % 4)))
    page.mouse.up()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_method_a_on_a_phone(phone, live_server, pledges, settings):
    settings.SITE_URL = live_server.url
    pledge = pledges[0]
    page = phone
    _unlock(page, live_server, pledge)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    page.get_by_test_id("method-a").click()
    page.get_by_test_id("send-sign-code").click()
    page.get_by_label("Họ tên người đại diện").fill(pledge.carrier.representative)
    _draw(page)
    assert page.locator("#id_signature").input_value().startswith("data:image/png;base64,")
    page.get_by_label("Mã xác thực").fill(last_code(pledge.carrier.email))
    page.get_by_test_id("sign").click()
    page.get_by_test_id("signed-box").wait_for()
    assert "Đã ký" in page.get_by_test_id("pledge-status").inner_text()
    response = page.request.get(live_server.url + page.get_by_test_id("download-signed").get_attribute("href"))
    report = signing.validate_pdf(response.body())
    assert len(report.signatures) == 2 and all(s.valid and s.trusted for s in report.signatures)
    certificate = page.request.get(live_server.url + page.get_by_test_id("download-certificate").get_attribute("href"))
    assert certificate.ok and certificate.body().startswith(b"%PDF")
    pledge.refresh_from_db()
    assert pledge.method == Pledge.Method.SIMPLE and pledge.signature_image_id
    assert any("Mã xác thực" in m.subject for m in mail.outbox)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_method_c_upload_and_wrong_uploads(phone, live_server, pledges, carrier_certificates, tmp_path, settings):
    settings.SITE_URL = live_server.url
    mine, other = pledges[0], pledges[1]
    page = phone
    _unlock(page, live_server, mine)
    own_cert = carrier_certificates[mine.carrier.tax_code]
    downloaded = page.request.get(f"{live_server.url}/cam-ket/{mine.public_id}/tep/ban-cam-ket.pdf").body()
    assert downloaded == mine.issued_pdf.read()

    cases = [
        ("other.pdf", offline_sign(other.issued_pdf.read(), own_cert), "phát hành cho «Viettel Post Lạng Sơn»"),
        ("modified.pdf", offline_sign(_modified(downloaded), own_cert), "khác với bản cam kết"),
    ]
    for name, data, message in cases:
        path = tmp_path / name
        path.write_bytes(data)
        page.goto(f"{live_server.url}/cam-ket/{mine.public_id}/")
        page.get_by_test_id("method-c").click()
        page.set_input_files("#id_signed_pdf", str(path))
        page.get_by_test_id("upload").click()
        assert message in page.get_by_test_id("form-error").inner_text(timeout=20_000)
    mine.refresh_from_db()
    assert mine.status == Pledge.Status.PENDING

    good = tmp_path / "signed.pdf"
    good.write_bytes(offline_sign(downloaded, own_cert))
    page.set_input_files("#id_signed_pdf", str(good))
    page.get_by_test_id("upload").click()
    page.get_by_test_id("signed-box").wait_for()
    mine.refresh_from_db()
    assert mine.status == Pledge.Status.SIGNED and mine.method == Pledge.Method.OFFLINE
    assert mine.signed_pdf.read() == good.read_bytes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_signed_page_updates_itself_when_the_countersignature_is_ready(phone, live_server, pledges, settings):
    from django.utils import timezone

    settings.SITE_URL = live_server.url
    pledge = pledges[0]
    _unlock(phone, live_server, pledge)
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.SIGNED, signed_at=timezone.now())
    phone.reload()
    assert "tự cập nhật" in phone.get_by_test_id("countersign-wait").inner_text()
    assert phone.get_by_test_id("download-certificate").count() == 0
    Pledge.objects.filter(pk=pledge.pk).update(countersigned_at=timezone.now())
    # no reload by the test: the page asks and reloads itself
    phone.get_by_test_id("download-certificate").wait_for(timeout=20_000)
    assert phone.get_by_test_id("countersign-wait").count() == 0
