"""What an operator does before opening the office, for the deployment test: the development PKI standing in for
the CA (its key records in the database), one staff member and the director, one carrier, a campaign in draft.

Run by tests/deploy/test_topology.py under `config.settings.dev` against the deployment test's PostgreSQL database,
after `migrate` ran under the production settings. Prints one JSON object (paths and names the walk needs).
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from core import second_factor  # noqa: E402
from core.models import StaffProfile  # noqa: E402
from core.roles import Role, sync_role_permissions  # noqa: E402
from signing.demo import init_pki  # noqa: E402
from signing.devpki import issue_carrier_certificate  # noqa: E402
from workflows.pledges.models import Campaign, Carrier  # noqa: E402
from workflows.pledges.services.issuance import default_pledge_body  # noqa: E402

CAMPAIGN = "kiem-thu-trien-khai"
CARRIER = {
    "name": "Bưu điện tỉnh Lạng Sơn",
    "kind": Carrier.Kind.ENTERPRISE,
    "tax_code": "4900100001",
    "licence_number": "210/GP-BTTTT",
    "address": "Số 12 đường Trần Đăng Ninh, phường Lương Văn Tri, tỉnh Lạng Sơn",
    "representative": "Nguyễn Văn Bình",
    "representative_title": "Giám đốc",
    "email": "buudien@buuchinh-langson.example.vn",
    "phone": "0205 387 100",
}


def staff(username: str, role: Role, *, first: str, last: str, title: str, unit: str, password: str):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username=username, password=password, first_name=first, last_name=last, email=f"{username}@example.vn"
    )
    user.groups.add(Group.objects.get(name=role.value))
    StaffProfile.objects.create(user=user, title=title, unit_abbreviation=unit)
    return user


def main() -> None:
    password = os.environ["DEPLOY_TEST_PASSWORD"]
    out = Path(sys.argv[1])
    sync_role_permissions()
    author = staff(
        "chuyenvien", Role.STAFF, first="Lan", last="Hoàng Thị", title="Chuyên viên", unit="TTr", password=password
    )
    director = staff(
        "giamdoc", Role.LEADERSHIP, first="Huy", last="Nguyễn Quang", title="GIÁM ĐỐC", unit="BGĐ", password=password
    )
    # the director enrols an authenticator app (as at his first login); the walk holds the same key as his phone
    authenticator = TOTPDevice.objects.create(user=director, name=second_factor.TOTP_NAME, confirmed=True)
    init_pki()
    carrier = Carrier.objects.create(**CARRIER)
    Campaign.objects.create(
        slug=CAMPAIGN,
        title="Kiểm thử triển khai: cam kết không vận chuyển hàng cấm",
        pledge_body=default_pledge_body(),
        closes_at=timezone.now() + timedelta(days=30),
        created_by=author,
    )
    p12, p12_password = issue_carrier_certificate(
        name=carrier.name, tax_code=carrier.tax_code, email=carrier.email, password=b"mat-khau-chung-thu"
    )
    (out / "carrier.p12").write_bytes(p12)
    print(
        json.dumps(
            {
                "campaign": CAMPAIGN,
                "carrier_p12": str(out / "carrier.p12"),
                "carrier_p12_password": p12_password.decode(),
                "carrier_email": carrier.email,
                "carrier_id": carrier.pk,
                "director_id": director.pk,
                "director_totp_key": authenticator.key,
            }
        )
    )


main()
