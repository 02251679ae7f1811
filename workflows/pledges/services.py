"""Business rules of the pledge campaign: registry import, campaigns, invitations, OTP, signing, countersigning.

Views, tasks and the flow call these functions; they never call each other's views. Heavy work (rendering,
signing) happens outside the transactions that lock a pledge row, so one slow signature never holds others up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from core.audit import log_action
from core.files import store_file
from core.organisation import organisation_info
from core.roles import Role
from core.seeds import get_seed
from signing.errors import SigningError
from workflows.pledges import registry
from workflows.pledges.models import Campaign, Carrier, CorrectionRequest, OtpChallenge, OutgoingEmail, Pledge

logger = logging.getLogger(__name__)

OTP_LENGTH = 6
OTP_VALIDITY = timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_MIN_INTERVAL = timedelta(seconds=60)
OTP_MAX_PER_HOUR = 5
SESSION_KEY = "pledges_access"


class PledgeError(Exception):
    """A refusal with a Vietnamese message the carrier or staff can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- registry ----------------------------------------------------------------------------------


def apply_import(*, data: bytes, filename: str, user) -> registry.ImportPreview:
    """Write every new and changed row in one transaction, or nothing when any row is invalid."""
    preview = registry.preview_import(data=data, filename=filename)
    if preview.invalid:
        raise PledgeError(
            _("Tệp có %(n)d dòng không hợp lệ: sửa tệp rồi tải lên lại. Chưa có dòng nào được ghi.")
            % {"n": len(preview.invalid)}
        )
    with transaction.atomic():
        for row in preview.new:
            Carrier.objects.create(**row.data)
        for row in preview.changed:
            Carrier.objects.filter(pk=row.carrier_id).update(
                **{f: new for f, (_old, new) in row.changes.items()}, updated_at=timezone.now()
            )
        log_action(
            "workflows.pledges.registry_imported",
            {"filename": filename, "new": len(preview.new), "changed": len(preview.changed)},
            user,
        )
    return preview


# --- campaigns ---------------------------------------------------------------------------------


def default_pledge_body() -> str:
    """The commitments of Chỉ thị 28/CT-BTTTT, as the business pledges them."""
    seed = get_seed("chi-thi-28")
    lines = [
        "Căn cứ Luật Bưu chính ngày 17 tháng 6 năm 2010;",
        f"Căn cứ {seed.meta['title'].replace('Chỉ thị 28/CT-BTTTT', 'Chỉ thị số 28/CT-BTTTT ngày 08/5/2020 của Bộ Thông tin và Truyền thông')}.",
        "Đơn vị chúng tôi cam kết:",
        "1. Nói không với việc chấp nhận, vận chuyển và phát hàng lậu, hàng cấm qua đường bưu chính.",
        "2. Thực hiện đầy đủ việc kiểm tra, kiểm soát bưu gửi theo quy định; không chấp nhận bưu gửi chứa vật phẩm, "
        "hàng hóa không được gửi theo Điều 12 Luật Bưu chính.",
        "3. Phối hợp với cơ quan chức năng phát hiện, ngăn chặn và xử lý các hành vi lợi dụng mạng bưu chính "
        "để vận chuyển hàng lậu, hàng cấm; tuyên truyền, phổ biến cho người lao động và khách hàng.",
        "4. Chịu trách nhiệm trước pháp luật nếu vi phạm cam kết này.",
    ]
    return "\n".join(lines)


def campaign_targets(campaign: Campaign) -> QuerySet[Carrier]:
    carriers = Carrier.objects.filter(is_active=True).exclude(email="")
    if campaign.target == Campaign.Target.DISTRICT:
        carriers = carriers.filter(district__in=campaign.target_districts)
    elif campaign.target == Campaign.Target.KIND:
        carriers = carriers.filter(kind__in=campaign.target_kinds)
    elif campaign.target == Campaign.Target.PICKED:
        carriers = carriers.filter(pk__in=campaign.target_carriers.values("pk"))
    return carriers.order_by("pk")


def start_campaign(*, campaign: Campaign, user) -> int:
    """Create one pledge per target and render them in the background. Returns the number of pledges."""
    from workflows.pledges import tasks

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.DRAFT:
            raise PledgeError(_("Chiến dịch đã được bắt đầu."))
        if campaign.closes_at and campaign.closes_at <= timezone.now():
            raise PledgeError(_("Hạn ký đã qua: sửa hạn ký trước khi bắt đầu."))
        targets = list(campaign_targets(campaign))
        if not targets:
            raise PledgeError(_("Chưa có doanh nghiệp nào thuộc đối tượng của chiến dịch (cần có thư điện tử)."))
        Pledge.objects.bulk_create(
            [Pledge(campaign=campaign, carrier=c) for c in targets], ignore_conflicts=True, batch_size=500
        )
        campaign.status = Campaign.Status.STARTING
        campaign.started_at = timezone.now()
        campaign.render_total = campaign.pledges.count()
        campaign.render_done = campaign.render_failed = 0
        campaign.save()
        log_action("workflows.pledges.campaign_started", {"pledges": campaign.render_total}, user, obj=campaign)
        transaction.on_commit(lambda: tasks.issue_campaign_pledges.enqueue(campaign.pk))
    return campaign.render_total


def carrier_organisation(carrier: Carrier) -> dict[str, Any]:
    """The pledge is the business's own document: its header names the business, the place is the province's."""
    return {
        "parent_agency": "",
        "agency": carrier.name,
        "abbreviation": "".join(word[0] for word in carrier.name.split() if word[0].isalpha()).upper()[:12] or "DN",
        "place": organisation_info().get("place") or "",
        "units": [],
    }


def pledge_document_data(*, pledge: Pledge, verification_url: str) -> dict[str, Any]:
    carrier = pledge.carrier
    campaign = pledge.campaign
    org = organisation_info()
    lines = [line.strip() for line in (campaign.pledge_body or default_pledge_body()).splitlines() if line.strip()]
    legal_bases = [line.rstrip(";.") for line in lines if line.startswith("Căn cứ")]
    commitments = [line for line in lines if not line.startswith("Căn cứ")]
    identity = (
        f"**{carrier.name}** (mã số thuế {carrier.tax_code or '—'}, giấy phép bưu chính số "
        f"{carrier.licence_number or '—'}; địa chỉ: {carrier.address or '—'}), do ông/bà "
        f"{carrier.representative or '—'}, {carrier.representative_title or 'người đại diện'}, đại diện:"
    )
    return {
        "number": None,
        "issued_date": timezone.localdate().isoformat(),
        "subject": campaign.pledge_subject,
        "addressees": [org.get("agency", "").capitalize() or "Sở Thông tin và Truyền thông"],
        "legal_bases": legal_bases,
        "body": "\n\n".join([identity, *commitments]),
        "signer": {
            "name": carrier.representative or carrier.name,
            "title": (carrier.representative_title or "Người đại diện").upper(),
        },
        "recipients": [f"{org.get('agency', '').capitalize()} (để theo dõi)", "Lưu: đơn vị"],
        "verification_url": verification_url,
    }


@dataclass(frozen=True)
class RenderedPledge:
    pdf: bytes
    code: str
    template_version: str
    signature_box: tuple[int, tuple[float, float, float, float]]


def render_pledge(*, pledge: Pledge) -> RenderedPledge:
    """This carrier's pledge as a PDF through the campaign's DOCX template (LibreOffice)."""
    from signing import services as signing
    from templates_docs.services import render_document

    code = pledge.verification_code or signing.new_verification_code()
    rendered = render_document(
        doc_type=pledge.campaign.template_doc_type,
        data=pledge_document_data(pledge=pledge, verification_url=signing.verification_url(code)),
        organisation=carrier_organisation(pledge.carrier),
        draft=False,
    )
    return RenderedPledge(rendered.pdf, code, rendered.template_version, rendered.signature_box)


def issue_pledge(*, pledge: Pledge) -> Pledge:
    """Render, store and register this carrier's pledge and start its process. Idempotent."""
    if pledge.issued_pdf_id and pledge.process_id:
        return pledge
    rendered = render_pledge(pledge=pledge)
    return record_issued_pdf(pledge=pledge, rendered=rendered)


def record_issued_pdf(*, pledge: Pledge, rendered: RenderedPledge) -> Pledge:
    """Store the issued pledge, register it for the public verification page and start its process."""
    from signing import services as signing
    from workflows.pledges.flows import PledgeFlow

    pdf, code = rendered.pdf, rendered.code
    stored = store_file(pdf, filename=f"cam-ket-{pledge.public_id}.pdf", content_type="application/pdf")
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().select_related("carrier").get(pk=pledge.pk)
        if locked.issued_pdf_id and locked.process_id:
            return locked
        locked.issued_pdf = stored
        locked.verification_code = code
        locked.template_version = rendered.template_version
        page, box = rendered.signature_box
        locked.signature_box = {"page": page, "box": list(box)}
        locked.render_error = ""
        locked.save()
        signing.record_issued_revision(
            code=code,
            pdf=pdf,
            number="",
            subject=f"Bản cam kết của {locked.carrier.name}",
            issuer=locked.carrier.name,
            issued_date=timezone.localdate(),
            kind="cam-ket",
        )
        if not locked.process_id:
            PledgeFlow.start.run(pledge=locked)
        log_action("workflows.pledges.issued", {"sha256": stored.sha256}, None, obj=locked)
    return locked


def issue_campaign_pledges(*, campaign_id: int) -> None:
    """Background job: render and invite every pledge of a starting campaign, counting progress."""
    campaign = Campaign.objects.get(pk=campaign_id)
    pending = campaign.pledges.filter(issued_pdf__isnull=True, status=Pledge.Status.PENDING).select_related(
        "carrier", "campaign"
    )
    for pledge in pending.iterator(chunk_size=50):
        try:
            pledge = issue_pledge(pledge=pledge)
            send_invitation(pledge=pledge, user=None)
            Campaign.objects.filter(pk=campaign_id).update(render_done=F("render_done") + 1)
        except Exception as exc:  # one broken pledge must not stop the campaign; it stays visible
            logger.exception("Rendering pledge %s failed", pledge.pk)
            Pledge.objects.filter(pk=pledge.pk).update(render_error=str(exc)[:2000])
            Campaign.objects.filter(pk=campaign_id).update(render_failed=F("render_failed") + 1)
    Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.STARTING).update(status=Campaign.Status.RUNNING)


def close_campaign(*, campaign: Campaign, user) -> None:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == Campaign.Status.CLOSED:
            return
        campaign.status = Campaign.Status.CLOSED
        campaign.closed_at = timezone.now()
        campaign.save(update_fields=["status", "closed_at"])
        log_action("workflows.pledges.campaign_closed", {}, user, obj=campaign)


# --- invitations -------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


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


def send_invitation(*, pledge: Pledge, user) -> None:
    if pledge.status == Pledge.Status.BOUNCED:
        Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.PENDING)
    token = new_invitation_token(pledge=pledge)
    context = {"pledge": pledge, "url": invitation_url(token), "org": organisation_info()}
    queue_email(
        pledge=pledge,
        kind=OutgoingEmail.Kind.INVITATION,
        subject=_("Mời ký cam kết: %(title)s") % {"title": pledge.campaign.title},
        body=render_to_string("pledges/email/invitation.txt", context),
    )
    log_action("workflows.pledges.invited", {"to": pledge.carrier.email}, user, obj=pledge)


def revoke_invitation(*, pledge: Pledge, user) -> None:
    from workflows.pledges.flows import PledgeFlow

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


def grant_session_access(*, request, pledge: Pledge) -> None:
    allowed = list(request.session.get(SESSION_KEY, []))
    if str(pledge.public_id) not in allowed:
        allowed.append(str(pledge.public_id))
    if request.session.session_key:  # a session from before the OTP gets a new key (no fixation)
        request.session.cycle_key()
    request.session[SESSION_KEY] = allowed


# --- one-time codes ----------------------------------------------------------------------------


def _otp_digest(salt: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _mask_email(email: str) -> str:
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
        if getattr(settings, "VANTHU_PLEDGES_OTP_IN_SUBJECT", False)
        else _("Mã xác thực ký cam kết"),
        body=_("[mã OTP không được lưu]"),
    )
    # The code is in the message sent, never in the stored copy.
    deliver_email(email=email, body=render_to_string("pledges/email/otp.txt", context))
    if email.status == OutgoingEmail.Status.FAILED:
        raise PledgeError(_("Không gửi được thư tới %(to)s. Vui lòng thử lại sau.") % {"to": _mask_email(email.to)})
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


def verify_access(*, request, pledge: Pledge, code: str) -> Pledge:
    """The carrier proves control of its e-mail: the link is used up and this browser session gets access.

    `pledge` comes from `pledge_for_token`; the link is used up below only if no one used it in between."""
    check_otp(pledge=pledge, purpose=OtpChallenge.Purpose.ACCESS, code=code, consume=True, client=_client(request))
    with transaction.atomic():
        used = Pledge.objects.filter(pk=pledge.pk, token_used_at__isnull=True).update(
            token_used_at=timezone.now(), email_verified_at=timezone.now()
        )
        if not used:
            raise PledgeError(_("Liên kết này đã được dùng."))
        log_action("workflows.pledges.email_verified", {"client": _client(request)}, None, obj=pledge)
    grant_session_access(request=request, pledge=pledge)
    return pledge


def _client(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


# --- signing -----------------------------------------------------------------------------------


def _normalise_name(text: str) -> str:
    stripped = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


@dataclass(frozen=True)
class SignOutcome:
    pledge: Pledge
    already: bool  # True when an earlier (or concurrent) submit had already answered


def _lock_pending(pledge: Pledge) -> Pledge:
    locked = Pledge.objects.select_for_update().select_related("carrier", "campaign").get(pk=pledge.pk)
    check_campaign_open(locked)
    return locked


def _answered(pledge: Pledge) -> SignOutcome | None:
    if pledge.status in (Pledge.Status.SIGNED, Pledge.Status.DECLINED):
        return SignOutcome(pledge=pledge, already=True)
    if not pledge.issued_pdf_id:
        raise PledgeError(_("Bản cam kết chưa được phát hành."))
    return None


def _record_answer(
    *, pledge: Pledge, status: str, user, audit: dict[str, Any], fields: dict[str, Any], pdf: bytes | None
) -> SignOutcome:
    """Under the pledge's row lock: write the answer once, finish the `respond` task, queue the countersignature."""
    from workflows.pledges import tasks
    from workflows.pledges.flows import PledgeFlow

    with transaction.atomic(savepoint=False):  # callers roll back as a whole on any refusal
        locked = _lock_pending(pledge)
        done = _answered(locked)
        if done is not None:
            return done
        changed = {**fields, "status": status}
        if pdf is not None:
            changed["signed_pdf"] = store_file(pdf, filename=f"cam-ket-{locked.public_id}-ky.pdf")
            changed["signed_at"] = timezone.now()
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changed))
        task = (
            Task.objects.filter(process_id=locked.process_id, flow_task=PledgeFlow.respond)
            .exclude(status__in=["DONE", "CANCELED"])
            .first()
        )
        if task is None:
            raise PledgeError(_("Quy trình của bản cam kết không còn chờ ký."))
        PledgeFlow.respond.run(task)
        log_action(f"workflows.pledges.{status}", audit, user, obj=locked)
        if status == Pledge.Status.SIGNED:
            transaction.on_commit(lambda: tasks.countersign_pledge.enqueue(locked.pk))
    return SignOutcome(pledge=locked, already=False)


def simple_stamp_lines(*, name: str) -> list[str]:
    """The visible stamp of method a; the signing library puts the signing time where "{time}" is."""
    return ["Ký điện tử, xác thực OTP", f"Người đại diện: {name}", "Thời điểm: {time}"]


def sign_simple(
    *, pledge: Pledge, typed_name: str, signature_png: bytes, code: str, user=None, client: str = ""
) -> SignOutcome:
    """Method a: typed representative name + drawn signature + OTP; sealed by the system key with a visible stamp.

    The stamp shows the drawn signature above "Ký điện tử, xác thực OTP", the representative and the time.
    """
    from signing import services as signing

    # A cheap early answer for a repeated submit; the answer itself is written under the row lock.
    pledge.refresh_from_db(fields=["status", "issued_pdf"])
    check_campaign_open(pledge)
    if (done := _answered(pledge)) is not None:
        return done
    expected = pledge.carrier.representative
    if not typed_name.strip():
        raise PledgeError(_("Vui lòng gõ họ tên người đại diện."))
    if expected and _normalise_name(typed_name) != _normalise_name(expected):
        raise PledgeError(_("Họ tên phải trùng với người đại diện đã đăng ký: %(name)s.") % {"name": expected})
    if not signature_png.startswith(b"\x89PNG") or len(signature_png) > 512 * 1024:
        raise PledgeError(_("Vui lòng vẽ chữ ký vào khung."))
    # The code is checked (and counted) now but used up only with the answer, so a double submit signs once.
    check_otp(pledge=pledge, purpose=OtpChallenge.Purpose.SIGN, code=code, consume=False, client=client)
    now = timezone.now()
    try:
        signed = signing.sign_pdf(
            pledge.issued_pdf.read(),
            key_id=getattr(settings, "VANTHU_PLEDGES_SYSTEM_KEY", "org-system"),
            level=getattr(settings, "VANTHU_PLEDGES_SIMPLE_LEVEL", "B-B"),
            appearance="text",
            page=_signature_page(pledge),
            box=_simple_stamp_box(pledge),
            text_lines=simple_stamp_lines(name=typed_name.strip()),
            signature_image=signature_png,  # drawn above the stamp's lines
            reason=f"Ký điện tử, xác thực OTP: {typed_name.strip()}",
        )
    except SigningError as exc:
        logger.warning("Simple signing failed for pledge %s: %s", pledge.pk, exc)
        raise PledgeError(exc.user_message) from exc
    image = store_file(signature_png, filename=f"chu-ky-{pledge.public_id}.png", content_type="image/png")
    with transaction.atomic():
        OtpChallenge.objects.filter(pledge=pledge, purpose=OtpChallenge.Purpose.SIGN, consumed_at__isnull=True).update(
            consumed_at=now
        )
        return _record_answer(
            pledge=pledge,
            status=Pledge.Status.SIGNED,
            user=user,
            audit={"method": "a", "name": typed_name.strip(), "client": client},
            fields={
                "method": Pledge.Method.SIMPLE,
                "signer_name": typed_name.strip(),
                "signature_image": image,
                "signer_detail": {"otp_email": pledge.carrier.email},
            },
            pdf=signed,
        )


def _signature_box(pledge: Pledge) -> tuple[float, float, float, float] | None:
    box = (pledge.signature_box or {}).get("box")
    return tuple(box) if box else None


A4_WIDTH = 595.28
RIGHT_MARGIN = 15 * 72 / 25.4  # ND30: 15-20 mm


def _simple_stamp_box(pledge: Pledge) -> tuple[float, float, float, float] | None:
    """The signature space widened across the signer's column (right half of the A4 page): the drawing goes
    beside the three stamp lines and the time line is not clipped."""
    box = _signature_box(pledge)
    if box is None:
        return None
    x1, y1, x2, y2 = box
    return (min(x1, max(A4_WIDTH / 2, x1 - 40)), y1, max(x2, min(A4_WIDTH - RIGHT_MARGIN, x2 + 45)), y2)


def _signature_page(pledge: Pledge) -> int | None:
    return (pledge.signature_box or {}).get("page")


def check_carrier_signature(*, pledge: Pledge, data: bytes) -> dict[str, Any]:
    """Method c's rule (and b's): valid, trusted, covers exactly the issued pledge, certificate names this business.

    Returns what was found about the signer; raises PledgeError with the precise reason otherwise.
    """
    from signing import explain
    from signing import services as signing

    if not data.startswith(b"%PDF"):
        raise PledgeError(_("Tệp tải lên không phải tệp PDF."))
    report = signing.validate_pdf(data)
    if report.indication == "UNREADABLE":
        raise PledgeError(_("Không đọc được tệp PDF: %(reason)s") % {"reason": explain.report_reason(report)})
    if not report.signatures:
        raise PledgeError(_("Tệp PDF chưa có chữ ký số nào. Vui lòng ký bản cam kết rồi tải lên lại."))
    issued = pledge.issued_pdf.read()
    # The carrier's signature is the first one appended to the issued pledge.
    sig = report.signatures[0]
    try:
        base = signing.base_revision(data, sig.index)
    except SigningError as exc:
        raise PledgeError(exc.user_message) from exc
    if base != issued:
        other = _issued_to_other(base, pledge)
        if other is not None:
            raise PledgeError(
                _(
                    "Tệp này là bản cam kết phát hành cho «%(other)s», không phải cho «%(mine)s». Vui lòng ký đúng bản cam kết của đơn vị."
                )
                % {"other": other.carrier.name, "mine": pledge.carrier.name}
            )
        raise PledgeError(
            _(
                "Nội dung đã ký khác với bản cam kết Sở đã phát hành cho đơn vị (tệp đã bị sửa đổi). Vui lòng tải lại bản cam kết gốc, ký và tải lên."
            )
        )
    try:
        covered = signing.signed_revision(data, sig.index)
    except SigningError as exc:
        raise PledgeError(exc.user_message) from exc
    # Between the issued file and the signature's own objects there may be nothing but whitespace.
    if not re.match(rb"\s*\d+\s+\d+\s+obj\b", covered[len(issued) :]):
        raise PledgeError(
            _("Tệp đã bị thêm nội dung vào sau bản cam kết trước khi ký. Vui lòng ký đúng tệp đã tải về.")
        )
    if not sig.intact or not sig.valid:
        raise PledgeError(_("Chữ ký số không hợp lệ: dữ liệu đã ký bị thay đổi hoặc chữ ký bị hỏng."))
    if not sig.unchanged_after_signing:
        raise PledgeError(_("Tệp đã bị sửa đổi sau khi ký. Vui lòng tải lên đúng tệp vừa ký."))
    if sig.revoked:
        raise PledgeError(_("Chứng thư số của «%(cn)s» đã bị thu hồi.") % {"cn": sig.signer_common_name or "?"})
    if not sig.trusted:
        raise PledgeError(
            _("Chứng thư số của «%(cn)s» không do tổ chức cung cấp dịch vụ chứng thực chữ ký số được tin cậy cấp.")
            % {"cn": sig.signer_common_name or "?"}
        )
    return _match_business(pledge=pledge, sig=sig)


def _issued_to_other(base: bytes, pledge: Pledge) -> Pledge | None:
    """Which other carrier's issued pledge these bytes are, if any (for a precise refusal)."""
    digest = hashlib.sha256(base).hexdigest()
    return Pledge.objects.filter(issued_pdf__sha256=digest).exclude(pk=pledge.pk).select_related("carrier").first()


def _match_business(*, pledge: Pledge, sig) -> dict[str, Any]:
    carrier = pledge.carrier
    uid = (sig.signer_uid or "").strip()
    found = {
        "common_name": sig.signer_common_name or "",
        "organisation": sig.signer_organisation or "",
        "uid": uid,
    }
    tax_in_cert = uid.split(":", 1)[1].strip() if uid.upper().startswith("MST:") else ""
    if tax_in_cert:
        if carrier.tax_code and tax_in_cert == carrier.tax_code.strip():
            return found | {"matched_by": "tax_code"}
        raise PledgeError(
            _("Chứng thư số cấp cho «%(name)s» (MST: %(got)s), không phải cho «%(mine)s» (MST: %(want)s).")
            % {
                "name": sig.signer_organisation or sig.signer_common_name or "?",
                "got": tax_in_cert,
                "mine": carrier.name,
                "want": carrier.tax_code or "—",
            }
        )
    names = {_normalise_name(sig.signer_organisation or ""), _normalise_name(sig.signer_common_name or "")}
    if _normalise_name(carrier.name) in names:
        return found | {"matched_by": "name"}
    raise PledgeError(
        _("Chứng thư số cấp cho «%(name)s», không ghi mã số thuế và không trùng tên đơn vị «%(mine)s».")
        % {"name": sig.signer_organisation or sig.signer_common_name or "?", "mine": carrier.name}
    )


def accept_upload(*, pledge: Pledge, data: bytes, user=None, client: str = "") -> SignOutcome:
    """Method c: a PDF signed offline with the business's own CA token software."""
    with transaction.atomic():
        locked = _lock_pending(pledge)
        done = _answered(locked)
        if done is not None:
            return done
    if len(data) > settings.VANTHU_MAX_UPLOAD_BYTES:
        raise PledgeError(_("Tệp quá lớn."))
    try:
        found = check_carrier_signature(pledge=locked, data=data)
    except PledgeError as exc:
        log_action("workflows.pledges.upload_refused", {"reason": exc.message, "client": client}, user, obj=locked)
        raise
    return _record_answer(
        pledge=locked,
        status=Pledge.Status.SIGNED,
        user=user,
        audit={"method": "c", "client": client, **found},
        fields={
            "method": Pledge.Method.OFFLINE,
            "signer_name": found["common_name"],
            "signer_detail": found,
        },
        pdf=data,
    )


def sign_with_pkcs12(*, pledge: Pledge, pkcs12: bytes, password: str, user=None, client: str = "") -> SignOutcome:
    """Method b: the business's own certificate, used in memory for this one signature and never stored."""
    from signing import services as signing

    with transaction.atomic():
        locked = _lock_pending(pledge)
        done = _answered(locked)
        if done is not None:
            return done
    if len(pkcs12) > 64 * 1024:
        raise PledgeError(_("Tệp chứng thư số quá lớn."))
    try:
        signed = signing.sign_pdf_with_pkcs12(
            locked.issued_pdf.read(),
            pkcs12=pkcs12,
            password=password.encode() if isinstance(password, str) else password,
            level="B-B",
            appearance="text",
            box=_signature_box(locked),
            page=_signature_page(locked),
        )
    except SigningError as exc:
        raise PledgeError(exc.user_message) from exc
    found = check_carrier_signature(pledge=locked, data=signed)
    return _record_answer(
        pledge=locked,
        status=Pledge.Status.SIGNED,
        user=user,
        audit={"method": "b", "client": client, **found},
        fields={"method": Pledge.Method.PKCS12, "signer_name": found["common_name"], "signer_detail": found},
        pdf=signed,
    )


def decline(*, pledge: Pledge, reason: str, user=None, client: str = "") -> SignOutcome:
    reason = reason.strip()
    if len(reason) < 5:
        raise PledgeError(_("Vui lòng ghi rõ lý do từ chối."))
    return _record_answer(
        pledge=pledge,
        status=Pledge.Status.DECLINED,
        user=user,
        audit={"reason": reason[:2000], "client": client},
        fields={"declined_reason": reason[:2000], "declined_at": timezone.now()},
        pdf=None,
    )


def request_correction(*, pledge: Pledge, changes: dict[str, str], note: str, user=None) -> CorrectionRequest:
    carrier = pledge.carrier
    # An empty box means "no change": a correction never blanks a registry field.
    diff = {
        f: str(v).strip()
        for f, v in changes.items()
        if f in registry.FIELDS and str(v or "").strip() and str(v).strip() != (getattr(carrier, f) or "")
    }
    if not diff and not note.strip():
        raise PledgeError(_("Chưa có thông tin nào cần sửa."))
    request = CorrectionRequest.objects.create(pledge=pledge, changes=diff, note=note.strip())
    log_action("workflows.pledges.correction_requested", {"changes": diff, "note": note.strip()}, user, obj=pledge)
    return request


def handle_correction(*, correction: CorrectionRequest, apply: bool, user) -> None:
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.OPEN:
            return
        if apply:
            Carrier.objects.filter(pk=correction.pledge.carrier_id).update(**correction.changes)
        correction.status = CorrectionRequest.Status.APPLIED if apply else CorrectionRequest.Status.REJECTED
        correction.handled_by = user
        correction.handled_at = timezone.now()
        correction.save()
        log_action("workflows.pledges.correction_handled", {"applied": apply}, user, obj=correction.pledge)


# --- the department's countersignature --------------------------------------------------------


def department_head() -> dict[str, str]:
    """The head of the department signs certificates: the leadership member titled GIÁM ĐỐC, else the first one."""
    from core.models import StaffProfile

    profiles = StaffProfile.objects.filter(user__groups__name=Role.LEADERSHIP.value, user__is_active=True)
    profile = profiles.filter(title__iexact="GIÁM ĐỐC").first() or profiles.order_by("pk").first()
    if profile is None:
        return {"name": organisation_info().get("agency", ""), "title": "GIÁM ĐỐC"}
    user = profile.user
    name = f"{user.last_name} {user.first_name}".strip() or user.get_username()
    return {"name": name, "title": profile.title.upper() or "GIÁM ĐỐC"}


def countersign(*, pledge_id: int) -> Pledge:
    """The department's organisation signature (B-LT) on the signed pledge, then its certificate of participation."""
    from signing import services as signing
    from templates_docs.services import register_outgoing, render_document
    from workflows.pledges.flows import PledgeFlow

    pledge = Pledge.objects.select_related("carrier", "campaign", "signed_pdf").get(pk=pledge_id)
    if pledge.countersigned_pdf_id or pledge.status != Pledge.Status.SIGNED:
        return pledge
    org = organisation_info()
    key_id = getattr(settings, "VANTHU_PLEDGES_SEAL_KEY", "org-seal")
    level = getattr(settings, "VANTHU_PLEDGES_COUNTERSIGN_LEVEL", "B-LT")
    signer = department_head()
    try:
        sealed = signing.sign_pdf(
            pledge.signed_pdf.read(),
            key_id=key_id,
            level=level,
            appearance="text",
            text_lines=[f"{org.get('agency', '')} đã tiếp nhận, xác nhận", "{time}"],
            reason="Xác nhận bản cam kết của doanh nghiệp",
        )
        with transaction.atomic():
            certificate_code = signing.new_verification_code()
            entry = register_outgoing(
                doc_type="giay-chung-nhan",
                issued_date=timezone.localdate(),
                agency_abbreviation=org.get("abbreviation") or "STTTT",
                drafting_unit="",
                subject=_certificate_subject(pledge),
                signer_name=signer["name"],
                recipients=[pledge.carrier.name],
            )
            certificate = render_document(
                doc_type="giay-chung-nhan",
                data=certificate_data(
                    pledge=pledge,
                    number=entry.number,
                    signer=signer,
                    verification_url=signing.verification_url(certificate_code),
                ),
                organisation=org,
                draft=False,
            )
            page, box = certificate.signature_box
            certificate_signed = signing.sign_pdf(
                certificate.pdf, key_id=key_id, level=level, appearance="seal", page=page, box=box
            )
            signing.record_issued_revision(
                code=certificate_code,
                pdf=certificate_signed,
                number=entry.code,
                subject=_certificate_subject(pledge),
                issuer=org.get("agency", ""),
                issued_date=timezone.localdate(),
                kind="giay-chung-nhan",
            )
            signing.record_issued_revision(
                code=pledge.verification_code,
                pdf=sealed,
                number="",
                subject=f"Bản cam kết của {pledge.carrier.name} (Sở đã xác nhận)",
                issuer=pledge.carrier.name,
                issued_date=timezone.localdate(),
                kind="cam-ket",
            )
            locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
            if locked.countersigned_pdf_id:
                transaction.set_rollback(True)
                return locked
            locked.countersigned_pdf = store_file(sealed, filename=f"cam-ket-{locked.public_id}-xac-nhan.pdf")
            locked.certificate_pdf = store_file(certificate_signed, filename=f"giay-chung-nhan-{locked.public_id}.pdf")
            locked.countersigned_at = timezone.now()
            locked.countersign_error = ""
            locked.save()
            task = (
                locked.process.task_set.filter(flow_task=PledgeFlow.countersign)
                .exclude(status__in=["DONE", "CANCELED"])
                .first()
            )
            if task is not None:
                PledgeFlow.countersign.run(task)
            log_action(
                "workflows.pledges.countersigned",
                {"sha256": locked.countersigned_pdf.sha256, "certificate": entry.code},
                None,
                obj=locked,
            )
    except Exception as exc:  # keep the failure visible on the dashboard; the task can be run again
        Pledge.objects.filter(pk=pledge.pk).update(countersign_error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.exception("Countersigning pledge %s failed", pledge.pk)
        raise
    queue_email(
        pledge=locked,
        kind=OutgoingEmail.Kind.SIGNED,
        subject=_("Bản cam kết đã được Sở xác nhận"),
        body=render_to_string("pledges/email/signed.txt", {"pledge": locked, "url": pledge_url(locked)}),
    )
    return locked


def _certificate_subject(pledge: Pledge) -> str:
    return f"Chứng nhận {pledge.carrier.name} đã ký cam kết"


def certificate_data(*, pledge: Pledge, number: int, signer: dict[str, str], verification_url: str) -> dict[str, Any]:
    org = organisation_info()
    carrier = pledge.carrier
    signed_on = timezone.localtime(pledge.signed_at or timezone.now())
    return {
        "number": number,
        "issued_date": timezone.localdate().isoformat(),
        "subject": f"Đã ký cam kết «{pledge.campaign.pledge_subject}»",
        "addressees": [],
        "legal_bases": ["Căn cứ Chỉ thị số 28/CT-BTTTT ngày 08 tháng 5 năm 2020 của Bộ Thông tin và Truyền thông"],
        "body": "\n\n".join(
            [
                f"{org.get('agency', '').upper()} CHỨNG NHẬN:",
                f"**{carrier.name}**",
                f"Mã số thuế: {carrier.tax_code or '—'}; giấy phép bưu chính số {carrier.licence_number or '—'}; "
                f"địa chỉ: {carrier.address or '—'}.",
                f"Đã ký cam kết «{pledge.campaign.pledge_subject}» ngày {signed_on.day:02d} tháng "
                f"{signed_on.month} năm {signed_on.year}.",
            ]
        ),
        "signer": signer,
        "recipients": [carrier.name, "Lưu: VT"],
        "verification_url": verification_url,
    }


# --- e-mail ------------------------------------------------------------------------------------


def queue_email(*, pledge: Pledge | None, kind: str, subject: str, body: str) -> OutgoingEmail:
    from workflows.pledges import tasks

    email = OutgoingEmail.objects.create(
        pledge=pledge, kind=kind, to=pledge.carrier.email if pledge else "", subject=subject, body=body
    )
    transaction.on_commit(lambda: tasks.deliver_email.enqueue(email.pk))
    return email


def deliver_email(*, email: OutgoingEmail, body: str | None = None) -> OutgoingEmail:
    """Send through Django's mail API with a few retries; a final failure is recorded and shown to staff."""
    retries = getattr(settings, "VANTHU_PLEDGES_EMAIL_RETRIES", 3)
    delay = getattr(settings, "VANTHU_PLEDGES_EMAIL_RETRY_DELAY", 2.0)
    for attempt in range(1, retries + 1):
        try:
            EmailMessage(subject=email.subject, body=body or email.body, to=[email.to]).send(fail_silently=False)
        except Exception as exc:  # SMTP and socket errors have many types
            email.attempts = F("attempts") + 1
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.save(update_fields=["attempts", "last_error"])
            email.refresh_from_db(fields=["attempts"])
            logger.warning("E-mail %s to %s failed (attempt %d): %s", email.pk, email.to, attempt, exc)
            if attempt < retries:
                time.sleep(delay * attempt)
            continue
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = timezone.now()
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=email.status, sent_at=email.sent_at, attempts=F("attempts") + 1
        )
        email.attempts += 1
        return email
    email.status = OutgoingEmail.Status.FAILED
    email.save(update_fields=["status"])
    if email.pledge_id and email.kind in (OutgoingEmail.Kind.INVITATION, OutgoingEmail.Kind.REMINDER):
        Pledge.objects.filter(pk=email.pledge_id, status=Pledge.Status.PENDING).update(status=Pledge.Status.BOUNCED)
    log_action("workflows.pledges.email_failed", {"to": email.to, "error": email.last_error}, None, obj=email.pledge)
    return email


def remind_pending(*, campaign: Campaign, user) -> int:
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


def send_due_reminders(*, now=None) -> int:
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


def can_manage(user) -> bool:
    return user.is_authenticated and user.has_perm("pledges.change_campaign")


def visible_pledge(*, request, public_id) -> Pledge | None:
    """The pledge this visitor may act on: one unlocked by OTP in this session or one of the user's carriers."""
    pledge = Pledge.objects.select_related("carrier", "campaign").filter(public_id=public_id).first()
    if pledge is None:
        return None
    if str(pledge.public_id) in request.session.get(SESSION_KEY, []):
        return pledge
    user = request.user
    if user.is_authenticated and pledge.carrier.users.filter(pk=user.pk).exists():
        return pledge
    return None


def ensure_unique(*, campaign: Campaign, carrier: Carrier) -> Pledge:
    try:
        with transaction.atomic():
            return Pledge.objects.create(campaign=campaign, carrier=carrier)
    except IntegrityError:
        return Pledge.objects.get(campaign=campaign, carrier=carrier)
