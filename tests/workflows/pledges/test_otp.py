"""OTP: 6 digits, stored as an HMAC only, 10 minutes, 5 attempts, rate limited, every attempt audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.models import AuditEntry
from tests.factories import PledgeFactory
from workflows.pledges.errors import PledgeError
from workflows.pledges.models import OtpChallenge
from workflows.pledges.services import otp

ACCESS = OtpChallenge.Purpose.ACCESS


@pytest.fixture
def pledge(campaign, carriers):
    return PledgeFactory(campaign=campaign, carrier=carriers[0])


def test_code_is_sent_and_only_its_hmac_is_stored(pledge, helpers):
    challenge = otp.send_otp(pledge=pledge, purpose=ACCESS)
    code = helpers.last_code(pledge.carrier.email)
    assert len(code) == 6
    assert code not in challenge.code_hash
    assert code not in pledge.emails.get().body  # the outbox keeps a redacted copy
    assert mail.outbox[-1].to == [pledge.carrier.email]
    otp.check_otp(pledge=pledge, purpose=ACCESS, code=code, consume=True)
    with pytest.raises(PledgeError, match="Chưa có mã"):
        otp.check_otp(pledge=pledge, purpose=ACCESS, code=code, consume=True)


def test_five_wrong_attempts_lock_the_code(pledge, helpers):
    otp.send_otp(pledge=pledge, purpose=ACCESS)
    code = helpers.last_code(pledge.carrier.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(PledgeError, match=f"Còn {left} lần"):
            otp.check_otp(pledge=pledge, purpose=ACCESS, code=wrong, consume=True)
    with pytest.raises(PledgeError, match="sai 5 lần"):
        otp.check_otp(pledge=pledge, purpose=ACCESS, code=code, consume=True)
    outcomes = [e.data["outcome"] for e in AuditEntry.objects.filter(code="workflows.pledges.otp_checked")]
    assert outcomes == ["wrong"] * 5 + ["locked"]


def test_code_expires_after_ten_minutes(pledge, helpers):
    challenge = otp.send_otp(pledge=pledge, purpose=ACCESS)
    code = helpers.last_code(pledge.carrier.email)
    OtpChallenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PledgeError, match="hết hạn"):
        otp.check_otp(pledge=pledge, purpose=ACCESS, code=code, consume=True)
    assert challenge.expires_at - challenge.created_at == timedelta(minutes=10)


def test_sending_is_rate_limited(pledge):
    otp.send_otp(pledge=pledge, purpose=ACCESS)
    with pytest.raises(PledgeError, match="đợi"):
        otp.send_otp(pledge=pledge, purpose=ACCESS)
    OtpChallenge.objects.filter(pledge=pledge).update(created_at=timezone.now() - timedelta(minutes=5))
    for _ in range(4):
        otp.send_otp(pledge=pledge, purpose=ACCESS)
        OtpChallenge.objects.filter(pledge=pledge).update(created_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(PledgeError, match="quá 5 mã"):
        otp.send_otp(pledge=pledge, purpose=ACCESS)
    assert AuditEntry.objects.filter(code="workflows.pledges.otp_rate_limited").count() == 2


def test_mail_failure_is_retried_and_visible(pledge, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    settings.VANTHU_PLEDGES_EMAIL_RETRY_DELAY = 0
    with pytest.raises(PledgeError, match="Không gửi được thư"):
        otp.send_otp(pledge=pledge, purpose=ACCESS)
    email = pledge.emails.get()
    assert email.status == "failed" and email.attempts == 3 and "Error" in email.last_error
    assert AuditEntry.objects.filter(code="workflows.pledges.email_failed").exists()
