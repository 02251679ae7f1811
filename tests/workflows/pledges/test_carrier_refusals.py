"""Every POST branch of the carrier pages that refuses says why, in Vietnamese, on the page (never a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PledgeFactory
from workflows.pledges.models import Campaign, CorrectionRequest, Pledge
from workflows.pledges.services import invitations


@pytest.fixture
def invited(campaign, carriers):
    pledge = PledgeFactory(campaign=campaign, carrier=carriers[0])
    return pledge, invitations.new_invitation_token(pledge=pledge)


@pytest.fixture
def unlocked(client, invited, helpers):
    """A carrier's browser that proved its e-mail on the invitation page; the pledge has no PDF yet."""
    pledge, token = invited
    url = reverse("pledges:invitation", args=[token])
    client.post(url, {"action": "send"})
    response = client.post(url, {"action": "verify", "code": helpers.last_code(pledge.carrier.email)})
    assert response.status_code == 302
    return pledge


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_resending_the_code_within_the_interval_is_refused_on_the_page(client, invited):
    pledge, token = invited
    url = reverse("pledges:invitation", args=[token])
    assert client.post(url, {"action": "send"}).status_code == 302
    page = _page(client.post(url, {"action": "send"}, follow=True))
    assert "Mã vừa được gửi. Vui lòng đợi" in page


def test_resending_too_often_in_an_hour_is_refused_on_the_page(client, invited):
    from datetime import timedelta

    from workflows.pledges.models import OtpChallenge

    pledge, token = invited
    url = reverse("pledges:invitation", args=[token])
    for _ in range(5):
        assert client.post(url, {"action": "send"}).status_code == 302
        OtpChallenge.objects.filter(pledge=pledge).update(created_at=timezone.now() - timedelta(minutes=2))
    assert "Đã gửi quá 5 mã trong một giờ" in _page(client.post(url, {"action": "send"}, follow=True))


def test_verifying_without_a_code_or_before_sending_one(client, invited):
    _pledge, token = invited
    url = reverse("pledges:invitation", args=[token])
    assert "Trường này là bắt buộc." in _page(client.post(url, {"action": "verify", "code": ""}))
    assert "Chưa có mã còn hiệu lực" in _page(client.post(url, {"action": "verify", "code": "123456"}))


def test_simple_signature_refusals(client, unlocked):
    url = reverse("pledges:sign_simple", args=[unlocked.public_id])
    assert client.post(url, {"action": "send"}).status_code == 200
    assert "Mã vừa được gửi. Vui lòng đợi" in _page(client.post(url, {"action": "send"}))
    page = _page(client.post(url, {"action": "sign", "typed_name": "Ai đó", "code": "123456", "signature": ""}))
    assert "Vui lòng vẽ chữ ký vào khung." in page
    page = _page(
        client.post(
            url,
            {"action": "sign", "typed_name": "Ai đó", "code": "123456", "signature": "data:image/png;base64,@@"},
        )
    )
    assert "Chữ ký vẽ không đọc được" in page


def _unlock(client, pledge: Pledge, helpers) -> Pledge:
    url = reverse("pledges:invitation", args=[invitations.new_invitation_token(pledge=pledge)])
    client.post(url, {"action": "send"})
    assert client.post(url, {"action": "verify", "code": helpers.last_code(pledge.carrier.email)}).status_code == 302
    return pledge


def test_certificate_and_upload_refusals_before_the_pdf_is_issued(client, unlocked):
    pkcs12 = reverse("pledges:sign_pkcs12", args=[unlocked.public_id])
    upload = reverse("pledges:upload", args=[unlocked.public_id])
    assert "Trường này là bắt buộc." in _page(client.post(pkcs12, {}))
    assert "Trường này là bắt buộc." in _page(client.post(upload, {}))
    for url, files in ((pkcs12, {"certificate": _file("x.p12", b"x")}), (upload, {"signed_pdf": _file("x.pdf")})):
        assert "Bản cam kết chưa được phát hành." in _page(client.post(url, files))


def test_certificate_and_upload_refusals_of_an_issued_pledge(client, pledges, helpers):
    pledge = _unlock(client, pledges[0], helpers)
    page = _page(
        client.post(
            reverse("pledges:sign_pkcs12", args=[pledge.public_id]),
            {"certificate": _file("x.p12", b"not a pkcs12"), "password": "x"},
        )
    )
    assert "pl-error" in page and "chứng thư" in page.lower()
    page = _page(client.post(reverse("pledges:upload", args=[pledge.public_id]), {"signed_pdf": _file("x.pdf")}))
    assert "Tệp tải lên không phải tệp PDF." in page
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PENDING


def _file(name: str, data: bytes = b"<html><script>alert(1)</script></html>"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_decline_and_correction_refusals(client, unlocked):
    page = _page(client.post(reverse("pledges:decline", args=[unlocked.public_id]), {"reason": "  ngắn "}))
    assert "Vui lòng ghi rõ lý do từ chối." in page
    assert "Trường này là bắt buộc." in _page(client.post(reverse("pledges:decline", args=[unlocked.public_id])))
    correction = reverse("pledges:correction", args=[unlocked.public_id])
    assert "Chưa có thông tin nào cần sửa." in _page(client.post(correction, {}))
    assert "Nhập địa chỉ email." in _page(client.post(correction, {"email": "không-phải-thư"}))
    assert not CorrectionRequest.objects.filter(pledge=unlocked).exists()
    unlocked.refresh_from_db()
    assert unlocked.status == Pledge.Status.PENDING


def test_answering_a_closed_campaign_says_so(client, unlocked):
    Campaign.objects.filter(pk=unlocked.campaign_id).update(closes_at=timezone.now())
    for name in ("sign_simple", "sign_pkcs12", "upload", "decline"):
        page = _page(
            client.post(reverse(f"pledges:{name}", args=[unlocked.public_id]), {"reason": "xxxxxx"}, follow=True)
        )
        assert "Bản cam kết không còn chờ ký." in page
    unlocked.refresh_from_db()
    assert unlocked.status == Pledge.Status.PENDING
