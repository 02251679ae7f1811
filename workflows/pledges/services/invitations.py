"""The one-time invitation links: sending, revoking, opening one with the e-mail OTP, reminders before the deadline."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core import clients
from core.audit import log_action
from core.organisation import organisation_info
from core.types import User
from workflows.pledges.errors import PledgeError
from workflows.pledges.flows import PledgeFlow
from workflows.pledges.models import Campaign, OtpChallenge, OutgoingEmail, Pledge
from workflows.pledges.selectors import SESSION_KEY
from workflows.pledges.services.mail import queue_email
from workflows.pledges.services.otp import check_otp


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def client_address(request: HttpRequest | None) -> str:
    """The visitor's address, as the audit log records it (behind a trusted proxy, the client it names)."""
    return clients.client_address(request) if request is not None else ""


def invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("pledges:invitation", args=[token])


def pledge_url(pledge: Pledge) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("pledges:pledge", args=[pledge.public_id])


def new_invitation_token(*, pledge: Pledge) -> str:
    """A fresh single-use link token; any earlier link of this pledge stops working."""
    token = secrets.token_urlsafe(32)
    Pledge.objects.filter(pk=pledge.pk).update(
        token_hash=_token_hash(token), invited_at=timezone.now(), token_used_at=None
    )
    pledge.token_hash = _token_hash(token)
    return token


def send_invitation(*, pledge: Pledge, user: User | None) -> None:
    if pledge.status == Pledge.Status.BOUNCED:
        Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.PENDING)
    context = {"pledge": pledge, "org": organisation_info()}
    with transaction.atomic():  # the link, its e-mail and the e-mail's task commit together
        token = new_invitation_token(pledge=pledge)
        queue_email(
            pledge=pledge,
            kind=OutgoingEmail.Kind.INVITATION,
            subject=_("Mời ký cam kết: %(title)s") % {"title": pledge.campaign.title},
            body=render_to_string("pledges/email/invitation.txt", {**context, "url": invitation_url(token)}),
        )
        log_action("workflows.pledges.invited", {"to": pledge.carrier.email}, user, obj=pledge)


def revoke_invitation(*, pledge: Pledge, user: User | None) -> None:
    with transaction.atomic():
        pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if pledge.status not in (Pledge.Status.PENDING, Pledge.Status.BOUNCED):
            raise PledgeError(_("Chỉ thu hồi được lời mời chưa ký."))
        pledge.status = Pledge.Status.REVOKED
        pledge.revoked_at = timezone.now()
        pledge.token_hash = None
        pledge.save(update_fields=["status", "revoked_at", "token_hash"])
        if pledge.process_id:
            PledgeFlow.instance.cancel(pledge.process)
        log_action("workflows.pledges.revoked", {}, user, obj=pledge)


def pledge_for_token(*, token: str) -> Pledge:
    """The pledge an invitation link opens, or a PledgeError saying why the link no longer works."""
    pledge = (
        Pledge.objects.select_related("carrier", "campaign").filter(token_hash=_token_hash(token)).first()
        if token
        else None
    )
    if pledge is None:
        raise PledgeError(_("Liên kết không đúng hoặc đã được thay bằng liên kết mới."))
    check_campaign_open(pledge)
    if pledge.token_used_at is not None:
        raise PledgeError(
            _(
                "Liên kết này đã được dùng. Mỗi liên kết chỉ dùng một lần: hãy mở trang trên trình duyệt đã dùng, hoặc đề nghị Sở gửi lại lời mời."
            )
        )
    return pledge


def check_campaign_open(pledge: Pledge) -> None:
    if pledge.status == Pledge.Status.REVOKED:
        raise PledgeError(_("Lời mời đã bị thu hồi."))
    campaign = pledge.campaign
    if campaign.status == Campaign.Status.CLOSED or (campaign.closes_at and campaign.closes_at <= timezone.now()):
        raise PledgeError(_("Chiến dịch đã kết thúc, liên kết đã hết hạn."))
    if campaign.status != Campaign.Status.RUNNING and not pledge.issued_pdf_id:
        raise PledgeError(_("Bản cam kết đang được chuẩn bị, vui lòng quay lại sau ít phút."))


def campaign_open(pledge: Pledge) -> bool:
    try:
        check_campaign_open(pledge)
    except PledgeError:
        return False
    return True


def grant_session_access(*, request: HttpRequest, pledge: Pledge) -> None:
    allowed = list(request.session.get(SESSION_KEY, []))
    if str(pledge.public_id) not in allowed:
        allowed.append(str(pledge.public_id))
    if request.session.session_key:  # a session from before the OTP gets a new key (no fixation)
        request.session.cycle_key()
    request.session[SESSION_KEY] = allowed


def verify_access(*, request: HttpRequest, pledge: Pledge, code: str) -> Pledge:
    """The carrier proves control of its e-mail: the link is used up and this browser session gets access.

    `pledge` comes from `pledge_for_token`; the link is used up below only if no one used it in between."""
    client = client_address(request)
    check_otp(pledge=pledge, purpose=OtpChallenge.Purpose.ACCESS, code=code, consume=True, client=client)
    with transaction.atomic():
        used = Pledge.objects.filter(pk=pledge.pk, token_used_at__isnull=True).update(
            token_used_at=timezone.now(), email_verified_at=timezone.now()
        )
        if not used:
            raise PledgeError(_("Liên kết này đã được dùng."))
        log_action("workflows.pledges.email_verified", {"client": client}, None, obj=pledge)
    grant_session_access(request=request, pledge=pledge)
    return pledge


# --- reminders ---------------------------------------------------------------------------------


def remind_pending(*, campaign: Campaign, user: User | None) -> int:
    """Send a fresh link to every carrier that has not answered yet."""
    count = 0
    pending = campaign.pledges.filter(status__in=[Pledge.Status.PENDING, Pledge.Status.BOUNCED])
    for pledge in pending.select_related("carrier", "campaign").exclude(issued_pdf__isnull=True):
        token = new_invitation_token(pledge=pledge)
        queue_email(
            pledge=pledge,
            kind=OutgoingEmail.Kind.REMINDER,
            subject=_("Nhắc ký cam kết: %(title)s") % {"title": campaign.title},
            body=render_to_string(
                "pledges/email/invitation.txt",
                {"pledge": pledge, "url": invitation_url(token), "org": organisation_info(), "reminder": True},
            ),
        )
        Pledge.objects.filter(pk=pledge.pk).update(last_reminded_at=timezone.now())
        count += 1
    log_action("workflows.pledges.reminded", {"count": count}, user, obj=campaign)
    return count


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Run from the scheduler: send each configured reminder (N days before the deadline) once."""
    now = now or timezone.now()
    sent = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.RUNNING, closes_at__gt=now):
        for days in sorted(int(d) for d in campaign.reminder_days or []):
            if days in campaign.reminders_sent or campaign.closes_at - timedelta(days=days) > now:
                continue
            sent += remind_pending(campaign=campaign, user=None)
            campaign.reminders_sent = [*campaign.reminders_sent, days]
            campaign.save(update_fields=["reminders_sent"])
            break
    return sent


@task()
def send_due_reminders_task() -> int:
    return send_due_reminders()
