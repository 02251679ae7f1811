"""With DEBUG off, every error the visitor can meet is a Vietnamese page: 400, 403, 404, 500 and a CSRF failure."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import Role


def _vietnamese_error(response, status: int, heading: str) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="vi">' in page and heading in page, page[:400]
    assert "Traceback" not in page and "Server Error" not in page and "Forbidden" not in page
    return page


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


def test_debug_is_off_in_the_test_settings(settings):
    assert settings.DEBUG is False


def test_404_on_an_unknown_address_and_on_a_missing_object(anonymous, db):
    _vietnamese_error(anonymous.get("/khong-co-trang-nay/"), 404, "Không tìm thấy trang (lỗi 404)")
    _vietnamese_error(anonymous.get("/cam-ket/00000000-0000-0000-0000-000000000000/"), 404, "lỗi 404")


def test_403_for_a_carrier_on_a_staff_page(anonymous, make_user):
    anonymous.force_login(make_user(Role.CARRIER))
    page = _vietnamese_error(anonymous.get(reverse("pledges:campaigns")), 403, "(lỗi 403)")
    assert "không dành cho tài khoản của bạn" in page


def test_csrf_failure_page(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": "a", "password": "b"})
    _vietnamese_error(response, 403, "Biểu mẫu đã hết hạn (lỗi 403)")


@pytest.mark.urls("tests.core.error_urls")
def test_400_and_500_through_the_handlers(anonymous, db):
    _vietnamese_error(anonymous.get("/__loi__/400/"), 400, "Yêu cầu không hợp lệ (lỗi 400)")
    _vietnamese_error(anonymous.get("/__loi__/500/"), 500, "Hệ thống gặp sự cố (lỗi 500)")
