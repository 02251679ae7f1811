"""The second factor: a TOTP authenticator app (django-otp) and single-use recovery codes.

Leadership, the clerk and administrators (and any superuser) must have one: they sign or seal for the
organisation, or manage who may. After the password, `SecondFactorMiddleware` keeps every page closed to them until
they give a code (or enrol, the first time). Anyone else who chose to enrol is asked for it too.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import secrets
from dataclasses import dataclass

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import reauth
from core.audit import log_action
from core.roles import Role
from core.types import User

REQUIRED_ROLES = (Role.LEADERSHIP, Role.CLERK, Role.ADMINISTRATOR)
TOTP_NAME = "Ứng dụng xác thực"
RECOVERY_NAME = "Mã dự phòng"
RECOVERY_CODES = 10


def requires_second_factor(user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[role.value for role in REQUIRED_ROLES]).exists()


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_second_factor(user: User) -> bool:
    return getattr(user, "is_authenticated", False) and totp_device(user) is not None


def is_verified(request: HttpRequest) -> bool:
    """The user of this session gave a code of a confirmed device after logging in (django-otp's middleware)."""
    return bool(getattr(request.user, "is_verified", lambda: False)())


def needs_code(request: HttpRequest) -> bool:
    user = request.user
    if not getattr(user, "is_authenticated", False) or is_verified(request):
        return False
    return requires_second_factor(user) or has_second_factor(user)


# --- enrolment ---------------------------------------------------------------------------------------------------


def pending_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is enrolling (a fresh random key the first time)."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG: no image request, nothing sent to a third party."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)


def manual_key(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app without a camera."""
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _normalise(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()


@dataclass(frozen=True)
class Enrolled:
    device: TOTPDevice
    recovery_codes: list[str]


def confirm_enrolment(*, request: HttpRequest, token: str) -> Enrolled | None:
    """The first code from the app confirms the device; the session is verified; recovery codes are made once."""
    user = request.user
    device = pending_enrolment(user=user)
    if not device.verify_token(_normalise(token)):
        log_action("core.second_factor.enrol_failed", {}, user)
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user=user)
        log_action("core.second_factor.enrolled", {"device": device.persistent_id}, user)
    django_otp.login(request, device)
    reauth.mark_authenticated(request, method=reauth.TOTP)
    return Enrolled(device=device, recovery_codes=codes)


def _new_recovery_codes(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    # 80 random bits each (16 base32 characters, the most StaticToken holds), single use.
    codes = [base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}" for code in codes]


def new_recovery_codes(*, user: User) -> list[str]:
    with transaction.atomic():
        codes = _new_recovery_codes(user=user)
        log_action("core.second_factor.recovery_codes_renewed", {}, user)
    return codes


def remaining_recovery_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- verification ------------------------------------------------------------------------------------------------


def verify_code(*, request: HttpRequest, token: str) -> bool:
    """A code of the user's authenticator (each used once, django-otp keeps the last time step) or a recovery
    code. Right: the session is verified and a fresh proof for signing is recorded. Audited either way."""
    user = request.user
    token = _normalise(token)
    totp = totp_device(user)
    device, method = None, reauth.TOTP
    if totp is not None and token.isdigit() and totp.verify_token(token):
        device = totp
    else:
        for static in StaticDevice.objects.filter(user=user, confirmed=True):
            if static.verify_token(token):
                device, method = static, reauth.RECOVERY_CODE
                break
    if device is None:
        log_action("core.second_factor.failed", {}, user)
        return False
    django_otp.login(request, device)
    reauth.mark_authenticated(request, method=method)
    log_action("core.second_factor.verified", {"method": method}, user)
    return True


def reset_second_factor(*, user: User, actor: User) -> None:
    """Remove every device of `user` (lost phone): they enrol again at their next login. Break-glass only."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        log_action("core.second_factor.reset", {"user": user.get_username()}, actor, obj=user)


def is_production() -> bool:
    return settings.SETTINGS_MODULE.endswith(".production")


def demo_key(username: str) -> str:
    """A demo account's known TOTP key (hex), derived from its name: public, so for the demo only."""
    return hashlib.sha1(f"vanthu-demo-totp:{username}".encode()).hexdigest()  # noqa: S324 - a public demo key


def demo_code(user: User) -> str | None:
    """The current code of a demo account enrolled with its known key; None for anyone else."""
    device = totp_device(user)
    if is_production() or device is None or device.key != demo_key(user.get_username()):
        return None
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def enrol_demo(*, user: User) -> TOTPDevice:
    """Give a demo account its known key. Never under production settings (as `load_demo` itself)."""
    if is_production():
        raise RuntimeError("A known TOTP key is never enrolled with production settings.")
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name=TOTP_NAME, defaults={"key": demo_key(user.get_username()), "confirmed": True}
    )
    return device
