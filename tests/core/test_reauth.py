"""core.reauth: the proof of identity behind every signature (the signing steps are in tests/workflows/dispatch)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse

from core import reauth
from core.models import AuditEntry
from core.roles import Role
from tests.auth_support import authenticator, current_code

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADERSHIP, username="giamdoc")


@pytest.fixture
def staff(make_user):
    """A role without a second factor: re-authenticates with the password."""
    return make_user(Role.STAFF, username="chuyenvien")


def _request(user):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user
    return request


def test_logging_in_is_a_proof_and_it_lasts_the_configured_time(client, staff, settings):
    assert client.login(username="chuyenvien", password=PASSWORD)
    request = _request(staff)
    request.session = client.session
    assert reauth.is_recently_authenticated(request)
    assert request.session[reauth.SESSION_KEY]["method"] == reauth.LOGIN
    settings.VANTHU_REAUTH_SECONDS = 0
    assert not reauth.is_recently_authenticated(request)


def test_the_proof_belongs_to_the_user_it_was_made_for(leader, make_user):
    request = _request(leader)
    reauth.mark_authenticated(request, method=reauth.PASSWORD)
    assert reauth.is_recently_authenticated(request)
    request.user = make_user(Role.LEADERSHIP, username="phogiamdoc")
    assert not reauth.is_recently_authenticated(request)


def test_a_tampered_or_missing_proof_is_none(leader):
    request = _request(leader)
    assert not reauth.is_recently_authenticated(request)
    request.session[reauth.SESSION_KEY] = {"user": str(leader.pk), "at": "yesterday"}
    assert not reauth.is_recently_authenticated(request)
    request.session[reauth.SESSION_KEY] = {"user": str(leader.pk), "at": 1e12}  # in the future
    assert not reauth.is_recently_authenticated(request)
    with pytest.raises(ValueError):
        reauth.mark_authenticated(request, method="cookie")


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/van-ban-di/", "/van-ban-di/"),
        ("https://evil.example/ky", "/tai-khoan/"),
        ("//evil.example/ky", "/tai-khoan/"),
        ("javascript:alert(1)", "/tai-khoan/"),
        ("", "/tai-khoan/"),
    ],
)
def test_back_to_next_only_on_this_site(client, staff, next_url, landing):
    client.force_login(staff)
    response = client.post(reverse("core:reauth"), {"password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == landing


def test_the_page_is_vietnamese_and_a_wrong_password_is_audited(client, staff):
    client.force_login(staff)
    page = client.get(reverse("core:reauth"), {"next": "/van-ban-di/"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Xác thực lại" in html and 'value="/van-ban-di/"' in html
    assert page["Cache-Control"].startswith("max-age=0")
    response = client.post(reverse("core:reauth"), {"password": "sai", "next": "/van-ban-di/"})
    assert response.status_code == 200 and "Mật khẩu không đúng." in response.content.decode()
    response = client.post(reverse("core:reauth"), {"password": "", "next": "/van-ban-di/"})
    assert response.status_code == 200 and "Trường này là bắt buộc." in response.content.decode()
    entry = AuditEntry.objects.get(code="core.reauth.failed")
    assert entry.actor == staff and entry.data == {"method": "password"}
    failed_login = AuditEntry.objects.get(code="core.auth.login_failed")
    assert failed_login.data["username"] == "chuyenvien" and "sai" not in str(failed_login.data)


def test_with_an_authenticator_the_code_is_asked_not_the_password(client, leader):
    client.force_login(leader)  # tests.auth_support.VerifiedClient: an enrolled authenticator, verified
    page = client.get(reverse("core:reauth"), {"next": "/van-ban-di/"}).content.decode()
    assert 'name="code"' in page and 'name="password"' not in page
    response = client.post(reverse("core:reauth"), {"password": PASSWORD, "next": "/van-ban-di/"})
    assert response.status_code == 200 and not AuditEntry.objects.filter(code="core.reauth.succeeded").exists()
    code = current_code(authenticator(leader))
    response = client.post(reverse("core:reauth"), {"code": code, "next": "/van-ban-di/"})
    assert response.status_code == 302 and response["Location"] == "/van-ban-di/"
    session = client.session
    assert session[reauth.SESSION_KEY]["method"] == reauth.TOTP
    # the same code a second time is refused (single use)
    response = client.post(reverse("core:reauth"), {"code": code, "next": "/van-ban-di/"})
    assert response.status_code == 200 and "Mã không đúng hoặc đã dùng." in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("core:reauth"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
