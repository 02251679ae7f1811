"""Hole 7 (issue 11): Quản trị is not a superuser; it manages the non-signing accounts and nothing more."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import Role
from tests.auth_support import PASSWORD, authenticator

NEW_PASSWORD = "mat-khau-moi-2026"  # noqa: S105


def refused_by_wagtail(response) -> bool:
    """Wagtail's admin answers a PermissionDenied with a redirect to its dashboard and a message."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


@pytest.fixture
def admin_client(client, make_user):
    quantri = make_user(Role.ADMINISTRATOR, username="quantri", is_staff=True)
    client.force_login(quantri)  # with its second factor (tests.auth_support.VerifiedClient)
    client.quantri = quantri
    return client


@pytest.fixture
def leader(make_user):
    user = make_user(Role.LEADERSHIP, username="giamdoc")
    authenticator(user)
    return user


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, username="chuyenvien")


def test_the_administrator_is_not_a_superuser(admin_client):
    quantri = admin_client.quantri
    assert not quantri.is_superuser
    assert not quantri.has_perm("dispatch.manage_dispatchprocess")
    assert not quantri.has_perm("pledges.manage_pledgeprocess")
    assert not quantri.has_perm("otp_totp.change_totpdevice")


@pytest.mark.parametrize("target", ["leader", "quantri2", "clerk"])
def test_cannot_reset_a_signers_or_another_administrators_password(admin_client, make_user, leader, target):
    user = {
        "leader": leader,
        "quantri2": make_user(Role.ADMINISTRATOR, username="quantri2"),
        "clerk": make_user(Role.CLERK, username="vanthu"),
    }[target]
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    django_admin = f"/django-admin/core/user/{user.pk}/password/"
    assert admin_client.get(django_admin).status_code == 403
    assert admin_client.post(django_admin, data).status_code == 403
    wagtail = reverse("wagtailusers_users:edit", args=[user.pk])
    assert refused_by_wagtail(admin_client.get(wagtail))
    assert refused_by_wagtail(admin_client.post(wagtail, {**data, "username": user.username, "email": user.email}))
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)


def test_cannot_reset_a_leaders_second_factor(admin_client, leader):
    device = TOTPDevice.objects.get(user=leader)
    assert admin_client.get("/django-admin/otp_totp/totpdevice/").status_code == 403
    assert (
        admin_client.post(f"/django-admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_cannot_grant_a_signing_role_nor_superuser_status(admin_client, staff, roles):
    leadership = roles[Role.LEADERSHIP]
    data = {
        "username": staff.username,
        "email": staff.email,
        "first_name": staff.first_name,
        "last_name": staff.last_name,
        "groups": [str(leadership.pk)],
    }
    assert refused_by_wagtail(admin_client.post(reverse("wagtailusers_users:edit", args=[staff.pk]), data))
    admin_client.post(reverse("wagtailusers_users:edit", args=[staff.pk]), {**data, "groups": [], "is_superuser": "on"})
    # Django's admin offers only the roles it may grant
    page = admin_client.get(f"/django-admin/core/user/{staff.pk}/change/").content.decode()
    assert "Lãnh đạo Sở" not in page and "Chuyên viên" in page and "is_superuser" not in page
    staff.refresh_from_db()
    assert not staff.is_superuser
    assert list(staff.groups.values_list("name", flat=True)) == [Role.STAFF.value]


def test_does_its_legitimate_work(admin_client, staff, roles):
    # a new staff account, through Wagtail's admin
    response = admin_client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "chuyenvien2",
            "email": "cv2@example.vn",
            "first_name": "Mai",
            "last_name": "Đỗ Thị",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "groups": [str(roles[Role.STAFF].pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Group.objects.get(name=Role.STAFF.value).user_set.get(username="chuyenvien2")
    assert created.check_password(NEW_PASSWORD)
    # a staff member's forgotten password, through Django's admin
    response = admin_client.post(
        f"/django-admin/core/user/{staff.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    # the organisation's settings, the templates, the audit log, unlocking logins
    assert admin_client.get("/admin/settings/core/organisationsettings/").status_code in (200, 302)
    assert admin_client.get("/django-admin/core/auditentry/").status_code == 200
    assert admin_client.get("/django-admin/axes/accessattempt/").status_code == 200
