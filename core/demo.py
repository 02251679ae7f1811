"""Demo accounts for every role (development only). Idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import second_factor
from core.models import StaffProfile
from core.roles import Role, sync_role_permissions

DEMO_PASSWORD = "vanthu-demo-2026"  # noqa: S105 - printed on the console, dev only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: Role
    title: str = ""
    unit: str = ""
    email: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("chuyenvien", "Thu", "Lê Thị", Role.STAFF, "Chuyên viên", "TTr"),
    DemoAccount("chuyenvienbc", "Lan", "Đỗ Thị", Role.STAFF, "Chuyên viên", "BCVT"),
    DemoAccount("truongphong", "Nam", "Trần Văn", Role.HEAD_OF_UNIT, "Chánh Thanh tra", "TTr"),
    DemoAccount("giamdoc", "Huy", "Nguyễn Quang", Role.LEADERSHIP, "GIÁM ĐỐC", "BGĐ"),
    DemoAccount("phogiamdoc", "Minh", "Hoàng Văn", Role.LEADERSHIP, "PHÓ GIÁM ĐỐC", "BGĐ"),
    DemoAccount("vanthu", "Hoa", "Phạm Thị", Role.CLERK, "Văn thư", "VP"),
    DemoAccount("doanhnghiep", "Bưu điện tỉnh", "", Role.CARRIER, "", ""),
    DemoAccount("quantri", "Quản trị", "", Role.ADMINISTRATOR, "Quản trị hệ thống", "CNTT"),
)


def load(stdout: TextIO) -> None:
    sync_role_permissions()
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": account.email or f"{account.username}@vanthu.local",
                # Quản trị works in the admin sites with its role's permissions only: never a superuser.
                "is_staff": account.role == Role.ADMINISTRATOR,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if user.is_superuser:  # a demo database from before the administrator lost superuser status
            user.is_superuser = False
            user.save(update_fields=["is_superuser"])
        user.groups.add(Group.objects.get(name=account.role.value))
        if second_factor.requires_second_factor(user):
            second_factor.enrol_demo(user=user)
        if account.role != Role.CARRIER:
            StaffProfile.objects.update_or_create(
                user=user, defaults={"title": account.title, "unit_abbreviation": account.unit}
            )


def print_accounts(stdout: TextIO) -> None:
    stdout.write(f"\nDemo accounts (development only), password for all: {DEMO_PASSWORD}\n")
    for account in DEMO_ACCOUNTS:
        name = f"{account.last_name} {account.first_name}".strip()
        factor = "  (+ code: manage.py demo_totp)" if account.role in second_factor.REQUIRED_ROLES else ""
        stdout.write(f"  {account.username:<12} {account.role.value:<24} {name}{factor}\n")
    stdout.write(
        "Leadership, the clerk and the administrator also give a second-factor code: "
        "`.venv/bin/python manage.py demo_totp <user>` prints the current one (demo accounts only).\n"
    )
