"""The e-mail one-time codes: 6 digits, 10 minutes, 5 attempts, rate limited per pledge; only an HMAC is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from workflows.pledges.errors import PledgeError
from workflows.pledges.models import OtpChallenge, OutgoingEmail, Pledge
from workflows.pledges.services.mail import deliver_email

OTP_LENGTH = 6
OTP_VALIDITY = timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_MIN_INTERVAL = timedelta(seconds=60)
OTP_MAX_PER_HOUR = 5


def _otp_digest(salt: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def mask_email(email: str) -> str:
    """ "dn0@example.vn" -> "dn•@example.vn": enough for the carrier to recognise its address."""
    local, _at, domain = email.partition("@")
    return f"{local[:2]}{'•' * max(len(local) - 2, 1)}@{domain}"


def send_otp(*, pledge: Pledge, purpose: str, client: str = "") -> OtpChallenge:
    """Send a 6-digit code to the registered e-mail. Rate limited per pledge; only an HMAC is stored."""
    now = timezone.now()
    refusal = ""
    with transaction.atomic():
        Pledge.objects.select_for_update().filter(pk=pledge.pk).exists()
        recent = OtpChallenge.objects.filter(pledge=pledge, created_at__gte=now - timedelta(hours=1)).aggregate(
            count=Count("id"), last=Max("created_at", filter=Q(purpose=purpose))
        )
        # Checking the e-mail and then confirming the signature are two codes a minute apart at most.
        last = recent["last"]
        if last is not None and now - last < OTP_MIN_INTERVAL:
            wait = int((OTP_MIN_INTERVAL - (now - last)).total_seconds()) + 1
            refusal = _("Mã vừa được gửi. Vui lòng đợi %(s)d giây rồi thử lại.") % {"s": wait}
        elif recent["count"] >= OTP_MAX_PER_HOUR:
            refusal = _("Đã gửi quá %(n)d mã trong một giờ. Vui lòng thử lại sau.") % {"n": OTP_MAX_PER_HOUR}
        if refusal:
            log_action("workflows.pledges.otp_rate_limited", {"purpose": purpose, "client": client}, None, obj=pledge)
        else:
            code = f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"
            salt = secrets.token_hex(8)
            challenge = OtpChallenge.objects.create(
                pledge=pledge,
                purpose=purpose,
                code_hash=f"{salt}${_otp_digest(salt, code)}",
                created_at=now,
                expires_at=now + OTP_VALIDITY,
            )
            log_action(
                "workflows.pledges.otp_sent",
                {"purpose": purpose, "challenge": challenge.pk, "client": client},
                None,
                obj=pledge,
            )
    if refusal:
        raise PledgeError(refusal)
    context = {"pledge": pledge, "code": code, "minutes": int(OTP_VALIDITY.total_seconds() // 60), "purpose": purpose}
    email = OutgoingEmail.objects.create(
        pledge=pledge,
        kind=OutgoingEmail.Kind.OTP,
        to=pledge.carrier.email,
        subject=_("Mã xác thực ký cam kết: %(code)s") % {"code": code}
        if settings.VANTHU_PLEDGES_OTP_IN_SUBJECT
        else _("Mã xác thực ký cam kết"),
        body=_("[mã OTP không được lưu]"),
    )
    # The code is in the message sent, never in the stored copy.
    deliver_email(email=email, body=render_to_string("pledges/email/otp.txt", context))
    if email.status == OutgoingEmail.Status.FAILED:
        raise PledgeError(_("Không gửi được thư tới %(to)s. Vui lòng thử lại sau.") % {"to": mask_email(email.to)})
    return challenge


def check_otp(*, pledge: Pledge, purpose: str, code: str, consume: bool, client: str = "") -> None:
    """Count one attempt against the latest live code; raise PledgeError unless the code matches."""
    code = (code or "").strip().replace(" ", "")
    now = timezone.now()
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(pledge=pledge, purpose=purpose, consumed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        outcome = "ok"
        if challenge is None:
            outcome = "no_code"
        elif challenge.expires_at <= now:
            outcome = "expired"
        elif challenge.attempts >= OTP_MAX_ATTEMPTS:
            outcome = "locked"
        else:
            challenge.attempts += 1
            salt, _sep, digest = challenge.code_hash.partition("$")
            if not (
                len(code) == OTP_LENGTH and code.isdigit() and hmac.compare_digest(_otp_digest(salt, code), digest)
            ):
                outcome = "wrong"
            elif consume:
                challenge.consumed_at = now
            challenge.save(update_fields=["attempts", "consumed_at"])
        log_action(
            "workflows.pledges.otp_checked",
            {
                "purpose": purpose,
                "outcome": outcome,
                "challenge": challenge.pk if challenge else None,
                "client": client,
            },
            None,
            obj=pledge,
        )
    messages = {
        "no_code": _("Chưa có mã còn hiệu lực. Vui lòng bấm «Gửi mã»."),
        "expired": _("Mã đã hết hạn (10 phút). Vui lòng lấy mã mới."),
        "locked": _("Đã nhập sai %(n)d lần. Vui lòng lấy mã mới.") % {"n": OTP_MAX_ATTEMPTS},
        "wrong": _("Mã không đúng. Còn %(n)d lần thử.")
        % {"n": OTP_MAX_ATTEMPTS - (challenge.attempts if challenge else 0)},
    }
    if outcome != "ok":
        raise PledgeError(messages[outcome])
