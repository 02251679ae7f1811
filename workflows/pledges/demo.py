"""Demo data: 40 postal businesses and service points in real communes of Lạng Sơn (after the 2025 reform) and a
running campaign in mixed states.

Idempotent: carriers are matched by identity, the campaign by slug, and pledges that already answered are left
alone. Signatures go through the real services (OTP codes read from an in-memory mailbox while loading).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core import mail
from django.test.utils import override_settings
from django.utils import timezone

from places.models import Commune
from places.selectors import current_communes
from places.services import find_commune, home_province
from signing import services as signing
from signing.devpki import issue_carrier_certificate, signature_png
from workflows.pledges.models import Campaign, Carrier, OtpChallenge, Pledge
from workflows.pledges.services.answers import accept_upload, decline, sign_simple
from workflows.pledges.services.countersignature import countersign
from workflows.pledges.services.invitations import invitation_url, new_invitation_token, send_invitation
from workflows.pledges.services.issuance import default_pledge_body, issue_pledge
from workflows.pledges.services.otp import send_otp

CAMPAIGN_SLUG = "noi-khong-hang-lau-2026"
DEMO_CARRIER_USER = "doanhnghiep"

# The post offices of the communes that were district seats before 1 July 2025 (the names are the package's).
POST_OFFICE_COMMUNES = (
    "Phường Đông Kinh",
    "Xã Thất Khê",
    "Xã Na Sầm",
    "Xã Bình Gia",
    "Xã Bắc Sơn",
    "Xã Văn Quan",
    "Xã Đồng Đăng",
    "Xã Lộc Bình",
    "Xã Chi Lăng",
    "Xã Đình Lập",
    "Xã Hữu Lũng",
)
ENTERPRISES = (
    ("Bưu điện tỉnh Lạng Sơn", "Phường Lương Văn Tri", "Nguyễn Văn Bình", "Giám đốc"),
    ("Chi nhánh Viettel Post Lạng Sơn", "Phường Đông Kinh", "Hoàng Thị Lan", "Giám đốc chi nhánh"),
    ("Công ty TNHH Chuyển phát nhanh Lạng Sơn", "Xã Cao Lộc", "Trần Văn An", "Giám đốc"),
    ("Chi nhánh Giao Hàng Nhanh Lạng Sơn", "Phường Tam Thanh", "Lê Minh Đức", "Trưởng chi nhánh"),
    ("Chi nhánh J&T Express Lạng Sơn", "Phường Kỳ Lừa", "Phạm Thu Hà", "Trưởng chi nhánh"),
    ("Chi nhánh Giao Hàng Tiết Kiệm Lạng Sơn", "Xã Đồng Đăng", "Vi Văn Thắng", "Trưởng chi nhánh"),
    ("Chi nhánh EMS Lạng Sơn", "Phường Đông Kinh", "Nông Thị Hằng", "Giám đốc chi nhánh"),
    ("Chi nhánh Ninja Van Lạng Sơn", "Xã Hữu Lũng", "Đặng Quốc Huy", "Trưởng chi nhánh"),
    ("Chi nhánh Nhất Tín Logistics Lạng Sơn", "Xã Na Dương", "Lăng Văn Sơn", "Trưởng chi nhánh"),
)
SERVICE_POINTS = 20  # cultural post offices, one in each of 20 communes taken from the package's list
# The outcome each carrier gets, by position, so the campaign shows every state.
OUTCOMES = ("pending",) + ("a", "c", "pending", "a", "declined", "pending", "a", "c", "pending", "a") * 4


def _service_point_communes() -> list[Commune]:
    """Every third xã of the province not already served above, in the package's order of codes."""
    taken = set(POST_OFFICE_COMMUNES) | {e[1] for e in ENTERPRISES}
    xa = [c for c in current_communes().order_by("code") if c.division_type == Commune.Type.XA and c.name not in taken]
    return xa[::3][:SERVICE_POINTS]


def _carriers() -> list[dict]:
    province = home_province().in_text
    rows = []
    for index, (name, commune, rep, title) in enumerate(ENTERPRISES):
        rows.append(
            {
                "name": name,
                "kind": Carrier.Kind.ENTERPRISE,
                "tax_code": f"49001{index:05d}",
                "licence_number": f"{210 + index}/GP-BTTTT",
                "address": f"Số {12 + index} đường Trần Đăng Ninh, {commune}, {province}",
                "commune": find_commune(text=commune),
                "representative": rep,
                "representative_title": title,
                "email": f"dn{index + 1}@buuchinh-langson.example.vn",
                "phone": f"0205 387 {100 + index}",
            }
        )
    for index, commune in enumerate(POST_OFFICE_COMMUNES):
        unit = find_commune(text=commune)
        rows.append(
            {
                "name": f"Bưu cục trung tâm {unit.short_name}",
                "kind": Carrier.Kind.POST_OFFICE,
                "tax_code": f"4900100000-{index + 1:03d}",
                "licence_number": "",
                "address": f"Trung tâm {unit.name}, {province}",
                "commune": unit,
                "representative": ["Lương Văn Tú", "Hà Thị Mai", "Vy Văn Hùng", "Chu Thị Nga"][index % 4],
                "representative_title": "Trưởng bưu cục",
                "email": f"bc{index + 1}@buuchinh-langson.example.vn",
                "phone": f"0205 388 {100 + index}",
            }
        )
    for index, unit in enumerate(_service_point_communes()):
        rows.append(
            {
                "name": f"Điểm Bưu điện văn hóa xã {unit.short_name}",
                "kind": Carrier.Kind.SERVICE_POINT,
                "tax_code": "",
                "licence_number": "",
                "address": f"{unit.name}, {province}",
                "commune": unit,
                "representative": ["Hoàng Văn Khánh", "Lộc Thị Hoa", "Triệu Văn Dũng", "Mã Thị Thu"][index % 4],
                "representative_title": "Nhân viên điểm phục vụ",
                "email": f"diem{index + 1}@buuchinh-langson.example.vn",
                "phone": f"0912 000 {100 + index}",
            }
        )
    return rows


def load(stdout: TextIO) -> None:
    carriers = []
    for row in _carriers():
        carrier, _created = Carrier.objects.get_or_create(
            tax_code=row["tax_code"], licence_number=row["licence_number"], name=row["name"], defaults=row
        )
        carriers.append(carrier)
    user = get_user_model().objects.filter(username=DEMO_CARRIER_USER).first()
    if user is not None:
        carriers[0].users.add(user)
        if not user.email or user.email.endswith("vanthu.local"):
            user.email = carriers[0].email
            user.save(update_fields=["email"])

    staff = get_user_model().objects.filter(username="chuyenvien").first()
    campaign, created = Campaign.objects.get_or_create(
        slug=CAMPAIGN_SLUG,
        defaults={
            "title": "Nói không với hàng lậu, hàng cấm qua đường bưu chính năm 2026",
            "description": "Thực hiện Chỉ thị 28/CT-BTTTT: các doanh nghiệp, điểm phục vụ bưu chính trên địa bàn tỉnh "
            "ký cam kết “Nói không với việc chấp nhận, vận chuyển và phát hàng lậu, hàng cấm qua đường bưu chính”.",
            "pledge_body": default_pledge_body(),
            "status": Campaign.Status.RUNNING,
            "opens_at": timezone.now() - timedelta(days=10),
            "closes_at": timezone.now() + timedelta(days=45),
            "reminder_days": [7, 3, 1],
            "started_at": timezone.now() - timedelta(days=10),
            "created_by": staff,
        },
    )
    pledges = [Pledge.objects.get_or_create(campaign=campaign, carrier=c)[0] for c in carriers]
    Campaign.objects.filter(pk=campaign.pk).update(render_total=len(pledges))
    signed = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        for pledge, outcome in zip(pledges, OUTCOMES, strict=False):
            pledge = issue_pledge(pledge=pledge)
            if pledge.invited_at is None:
                send_invitation(pledge=pledge, user=staff)
                _mark_bounced_demo(pledge, outcome)
                pledge.refresh_from_db()
            if pledge.status == Pledge.Status.PENDING and outcome != "pending":
                signed += _answer(pledge, "a" if outcome == "c" and not pledge.carrier.tax_code else outcome)
        mail.outbox = []
    Campaign.objects.filter(pk=campaign.pk).update(render_done=campaign.pledges.exclude(issued_pdf=None).count())
    if created or signed:
        stdout.write(f"pledges: campaign {CAMPAIGN_SLUG} with {len(pledges)} carriers ({signed} answered now)\n")
    pending = campaign.pledges.filter(status=Pledge.Status.PENDING).exclude(carrier=carriers[0]).first()
    if created and pending is not None:  # a fresh link only on the first load, so a second load changes nothing
        token = new_invitation_token(pledge=pending)
        stdout.write(f"pledges: demo invitation for {pending.carrier.name}: {invitation_url(token)}\n")


def _mark_bounced_demo(pledge: Pledge, outcome: str) -> None:
    """Two service points show how a bounced invitation looks on the dashboard."""
    if outcome == "pending" and pledge.carrier.kind == Carrier.Kind.SERVICE_POINT:
        email = pledge.emails.order_by("-pk").first()
        if email is not None:
            email.status, email.attempts = email.Status.FAILED, 3
            email.last_error = "SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable (demo)"
            email.save(update_fields=["status", "attempts", "last_error"])
            Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.BOUNCED)


def _answer(pledge: Pledge, outcome: str) -> int:
    if outcome == "a":
        send_otp(pledge=pledge, purpose=OtpChallenge.Purpose.SIGN, client="demo")
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
        sign_simple(
            pledge=pledge,
            typed_name=pledge.carrier.representative,
            signature_png=signature_png(pledge.carrier.representative),
            code=code,
            client="demo",
        )
    elif outcome == "c":
        pkcs12, password = issue_carrier_certificate(name=pledge.carrier.name, tax_code=pledge.carrier.tax_code)
        signed_pdf = signing.sign_pdf_with_pkcs12(
            pledge.issued_pdf.read(), pkcs12=pkcs12, password=password, level="B-T", appearance="none"
        )
        accept_upload(pledge=pledge, data=signed_pdf, client="demo")
    elif outcome == "declined":
        decline(pledge=pledge, reason="Điểm phục vụ tạm ngừng hoạt động để sắp xếp lại (dữ liệu mẫu).")
    else:
        return 0
    countersign(pledge_id=pledge.pk)
    return 1
