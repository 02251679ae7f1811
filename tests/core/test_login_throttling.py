"""Hole 5 (issue 11): login throttling and lockout per account and per client (django-axes), audited."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from core.roles import Role
from tests.auth_support import PASSWORD


def _try(client: Client, username: str, password: str, *, address: str = "10.0.0.1", url: str | None = None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, username="chuyenvien")


def test_25_wrong_passwords_then_the_right_one_is_refused(client, staff):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [_try(client, "chuyenvien", f"sai-{n}").status_code for n in range(25)]
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the login page again, "wrong name or password"
    assert set(statuses[limit - 1 :]) == {429}
    response = _try(client, "chuyenvien", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Tạm khóa đăng nhập" in html and "liên hệ quản trị hệ thống" in html
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(code="core.auth.locked_out", data__username="chuyenvien").exists()
    assert AuditEntry.objects.filter(code="core.auth.login_failed").count() >= limit
    assert not AuditEntry.objects.filter(code="core.auth.logged_in").exists()
    assert not any("sai-" in str(e.data) for e in AuditEntry.objects.all())  # never a password in the log


def test_one_account_is_locked_from_every_address(staff):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(Client(), "chuyenvien", "sai", address=f"10.0.1.{n}")
    assert _try(Client(), "chuyenvien", PASSWORD, address="10.0.2.1").status_code == 429


def test_one_client_is_locked_for_every_account(make_user):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(Client(), f"doan-{n}", "sai", address="10.0.3.3")
    make_user(Role.STAFF, username="truongphong")
    assert _try(Client(), "truongphong", PASSWORD, address="10.0.3.3").status_code == 429
    assert _try(Client(), "truongphong", PASSWORD, address="10.0.3.4").status_code == 302


def test_the_admin_sites_are_throttled_too(staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(Client(), "chuyenvien", "sai", url="/admin/login/")
    assert _try(Client(), "chuyenvien", PASSWORD, url="/django-admin/login/").status_code == 429


def test_an_administrator_unlocks_the_account(staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(Client(), "chuyenvien", "sai")
    assert _try(Client(), "chuyenvien", PASSWORD).status_code == 429
    call_command("axes_reset_username", "chuyenvien")
    assert _try(Client(), "chuyenvien", PASSWORD, address="10.0.9.9").status_code == 302


def test_the_lock_lifts_after_the_cool_off(staff, settings):
    settings.AXES_COOLOFF_TIME = 0.0001  # hours (0.36 s)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(Client(), "chuyenvien", "sai")
    import time

    time.sleep(0.5)
    assert _try(Client(), "chuyenvien", PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_one_client_is_locked_not_the_whole_office(settings, make_user):
    """Behind nginx every peer is the proxy: locking "the client" must lock the address nginx forwarded."""
    settings.VANTHU_TRUSTED_PROXIES = ["127.0.0.1"]

    def through_proxy(username: str, password: str, forwarded_for: str):
        return Client().post(
            reverse("login"),
            {"username": username, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    for n in range(settings.AXES_FAILURE_LIMIT):
        through_proxy(f"doan-{n}", "sai", "203.0.113.7")
    make_user(Role.STAFF, username="truongphong")
    assert through_proxy("truongphong", PASSWORD, "203.0.113.7").status_code == 429
    assert through_proxy("truongphong", PASSWORD, "198.51.100.20").status_code == 302
    # a header from an untrusted peer is not believed: the attacker is locked under his own address
    assert _try(Client(), "truongphong", PASSWORD, address="192.0.2.9").status_code == 302
