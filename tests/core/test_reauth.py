"""core.reauth: the proof of identity behind every signature (the signing steps are in tests/workflows/dispatch)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse

from core import reauth
from core.models import AuditEntry
from core.roles import Role

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADERSHIP, username="giamdoc")


def _request(user):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user
    return request


def test_logging_in_is_a_proof_and_it_lasts_the_configured_time(client, leader, settings):
    assert client.login(username="giamdoc", password=PASSWORD)
    request = _request(leader)
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
        ("https://evil.example/ky", "/workflow/"),
        ("//evil.example/ky", "/workflow/"),
        ("javascript:alert(1)", "/workflow/"),
        ("", "/workflow/"),
    ],
)
def test_back_to_next_only_on_this_site(client, leader, next_url, landing):
    client.force_login(leader)
    response = client.post(reverse("core:reauth"), {"password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == landing


def test_the_page_is_vietnamese_and_a_wrong_password_is_audited(client, leader):
    client.force_login(leader)
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
    assert entry.actor == leader and entry.data == {"method": "password"}


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("core:reauth"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
