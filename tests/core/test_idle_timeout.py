"""Hole 5 (issue 11): idle staff sessions end (VANTHU_STAFF_IDLE_SECONDS), audited."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.test import Client

from core.middleware import LAST_SEEN_KEY
from core.models import AuditEntry
from core.roles import Role
from tests.auth_support import log_in


def _idle(client: Client, seconds: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] -= seconds
    session.save()


def test_an_idle_staff_session_is_logged_out(make_user, settings):
    user = make_user(Role.LEADERSHIP, username="giamdoc")
    client = Client()
    log_in(client, user)
    assert client.get("/van-ban-di/").status_code == 200
    _idle(client, settings.VANTHU_STAFF_IDLE_SECONDS - 10)
    assert client.get("/van-ban-di/").status_code == 200  # a request resets the clock
    _idle(client, settings.VANTHU_STAFF_IDLE_SECONDS + 1)
    response = client.get("/van-ban-di/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/van-ban-di/"
    assert SESSION_KEY not in client.session
    login_page = client.get(response["Location"]).content.decode()
    assert "Phiên làm việc đã hết hạn vì lâu không thao tác." in login_page
    assert AuditEntry.objects.filter(code="core.session.idle_timeout", actor=user).count() == 1
    # logging in again starts a fresh clock, and the second factor is asked again
    log_in(client, user)
    assert client.get("/van-ban-di/").status_code == 200


def test_the_idle_limit_is_a_setting(make_user, settings):
    user = make_user(Role.STAFF, username="chuyenvien")
    client = Client()
    log_in(client, user)
    settings.VANTHU_STAFF_IDLE_SECONDS = 5
    _idle(client, 6)
    assert client.get("/van-ban-di/").status_code == 302
