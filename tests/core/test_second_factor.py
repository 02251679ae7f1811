"""Hole 5 (issue 11): a second factor (TOTP, django-otp) for leadership, the clerk and administrators."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import second_factor
from core.models import AuditEntry
from core.roles import Role
from tests.auth_support import PASSWORD, authenticator, current_code

CODE_PAGE = "/tai-khoan/ma-xac-thuc/"
ENROL_PAGE = "/tai-khoan/ma-xac-thuc/dang-ky/"
CLOSED = ["/workflow/", "/van-ban-di/", "/admin/", "/django-admin/", "/cam-ket/quan-ly/"]


def _password(client: Client, username: str, next_url: str = "/workflow/"):
    return client.post(f"{reverse('login')}?next={next_url}", {"username": username, "password": PASSWORD})


def _code_of(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@pytest.mark.parametrize(
    ("role", "needed"),
    [
        (Role.LEADERSHIP, True),
        (Role.CLERK, True),
        (Role.ADMINISTRATOR, True),
        (Role.STAFF, False),
        (Role.HEAD_OF_UNIT, False),
        (Role.CARRIER, False),
    ],
)
def test_the_roles_that_need_a_second_factor(make_user, role, needed):
    assert second_factor.requires_second_factor(make_user(role)) is needed


def test_a_superuser_needs_one_too(django_user_model, db):
    assert second_factor.requires_second_factor(django_user_model.objects.create_superuser("khancap", "", "x"))


def test_first_login_enrols_by_qr_and_shows_the_recovery_codes_once(make_user):
    make_user(Role.LEADERSHIP, username="giamdoc")
    client = Client()
    response = _password(client, "giamdoc")
    assert response.status_code == 302
    response = client.get("/workflow/")
    assert response.status_code == 302 and response["Location"].startswith(ENROL_PAGE)

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "Bật xác thực hai bước" in html
    assert "<svg" in html and "<img" not in html  # the QR code inline: no request anywhere, least of all outside
    assert not re.search(r"(src|href)=\"https?://", html)
    device = TOTPDevice.objects.get(user__username="giamdoc", confirmed=False)
    key = second_factor.manual_key(device).replace(" ", "")
    assert key in html.replace(" ", "")

    wrong = client.post(ENROL_PAGE, {"code": "000000", "next": "/workflow/"})
    assert wrong.status_code == 200 and "Mã không đúng." in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the enrolment's throttling is tested below, not here
    device.save()
    done = client.post(ENROL_PAGE, {"code": _code_of(device), "next": "/workflow/"})
    html = done.content.decode()
    assert done.status_code == 200 and "chỉ hiện một lần" in html
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>", html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/van-ban-di/").status_code == 200  # verified now
    # the codes are never shown again, and a second authenticator cannot be enrolled over the first
    again = client.get(ENROL_PAGE)
    assert again.status_code == 302 and again["Location"].startswith(CODE_PAGE)
    assert TOTPDevice.objects.filter(user__username="giamdoc").count() == 1
    codes_audited = [e.code for e in AuditEntry.objects.filter(code__startswith="core.second_factor.")]
    assert codes_audited == ["core.second_factor.enrol_failed", "core.second_factor.enrolled"]


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.CLERK, Role.ADMINISTRATOR])
def test_the_password_alone_opens_nothing_the_code_opens_everything(make_user, role):
    user = make_user(role, username="nguoidung", is_staff=role == Role.ADMINISTRATOR)
    device = authenticator(user)
    client = Client()
    assert _password(client, "nguoidung").status_code == 302
    for url in CLOSED:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE), url
    response = client.post(CODE_PAGE, {"code": current_code(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/van-ban-di/").status_code == 200
    if role == Role.ADMINISTRATOR:
        assert client.get("/admin/").status_code == 200  # Wagtail's admin
        assert client.get("/django-admin/").status_code == 200


def test_staff_without_the_requirement_are_not_asked(make_user):
    make_user(Role.STAFF, username="chuyenvien")
    client = Client()
    _password(client, "chuyenvien")
    assert client.get("/van-ban-di/").status_code == 200


def test_a_code_is_single_use_and_wrong_codes_slow_the_next_try(make_user):
    user = make_user(Role.CLERK, username="vanthu")
    device = authenticator(user)
    first, second = Client(), Client()
    _password(first, "vanthu")
    _password(second, "vanthu")
    code = current_code(device)
    assert first.post(CODE_PAGE, {"code": code, "next": "/"}).status_code == 302
    reused = second.post(CODE_PAGE, {"code": code, "next": "/"})
    assert reused.status_code == 200 and "Mã không đúng hoặc đã dùng." in reused.content.decode()
    # after a wrong code even the right one waits (django-otp's throttling doubles the wait each time)
    right = current_code(device)
    assert second.post(CODE_PAGE, {"code": right, "next": "/"}).status_code == 200
    assert second.get("/van-ban-di/")["Location"].startswith(CODE_PAGE)
    assert AuditEntry.objects.filter(code="core.second_factor.failed", actor=user).count() == 2


def test_a_recovery_code_works_once(make_user):
    user = make_user(Role.LEADERSHIP, username="giamdoc")
    authenticator(user)
    codes = second_factor.new_recovery_codes(user=user)
    client = Client()
    _password(client, "giamdoc")
    response = client.post(CODE_PAGE, {"code": codes[0].upper(), "next": "/workflow/"})
    assert response.status_code == 302 and client.get("/van-ban-di/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    other = Client()
    _password(other, "giamdoc")
    assert other.post(CODE_PAGE, {"code": codes[0], "next": "/"}).status_code == 200
    assert AuditEntry.objects.filter(code="core.second_factor.verified", data__method="recovery-code").count() == 1


def test_the_demo_code_is_only_for_demo_keys(make_user, settings):
    user = make_user(Role.LEADERSHIP, username="giamdoc")
    authenticator(user)  # a random key: no code is ever printed for it
    with pytest.raises(CommandError):
        call_command("demo_totp", "giamdoc")
    device = second_factor.enrol_demo(user=user)
    from io import StringIO

    out = StringIO()
    call_command("demo_totp", "giamdoc", stdout=out)
    assert out.getvalue().strip() == _code_of(device)
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError):
        call_command("demo_totp", "giamdoc")
    with pytest.raises(RuntimeError):
        second_factor.enrol_demo(user=user)
