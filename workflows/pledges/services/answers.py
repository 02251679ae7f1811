"""The carrier's answer: (a) simple electronic signature sealed by the system key, (b) its own PKCS#12 used once,
(c) a PDF signed offline with its CA's software, or declining. Each answer is written once under the pledge's row
lock, finishes the `respond` task and queues the department's countersignature."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from core.audit import log_action
from core.files import store_file
from core.tasks import enqueue_with_transaction
from core.text import same_name
from core.types import Actor
from signing import explain
from signing import services as signing
from signing.errors import SigningError
from workflows.pledges.errors import PledgeError
from workflows.pledges.flows import PledgeFlow
from workflows.pledges.models import OtpChallenge, Pledge
from workflows.pledges.services.countersignature import countersign_task
from workflows.pledges.services.invitations import check_campaign_open
from workflows.pledges.services.otp import check_otp

logger = logging.getLogger(__name__)

A4_WIDTH = 595.28
RIGHT_MARGIN = 15 * 72 / 25.4  # ND30: 15-20 mm


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
    *, pledge: Pledge, status: str, user: Actor, audit: dict[str, Any], fields: dict[str, Any], pdf: bytes | None
) -> SignOutcome:
    """Under the pledge's row lock: write the answer once, finish the `respond` task, queue the countersignature."""
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
            enqueue_with_transaction(countersign_task, locked.pk)
    return SignOutcome(pledge=locked, already=False)


# --- (a) simple electronic signature -------------------------------------------------------------


def simple_stamp_lines(*, name: str) -> list[str]:
    """The visible stamp of method a; the signing library puts the signing time where "{time}" is."""
    return ["Ký điện tử, xác thực OTP", f"Người đại diện: {name}", "Thời điểm: {time}"]


def sign_simple(
    *, pledge: Pledge, typed_name: str, signature_png: bytes, code: str, user: Actor = None, client: str = ""
) -> SignOutcome:
    """Method a: typed representative name + drawn signature + OTP; sealed by the system key with a visible stamp.

    The stamp shows the drawn signature above "Ký điện tử, xác thực OTP", the representative and the time.
    """
    # A cheap early answer for a repeated submit; the answer itself is written under the row lock.
    pledge.refresh_from_db(fields=["status", "issued_pdf"])
    check_campaign_open(pledge)
    if (done := _answered(pledge)) is not None:
        return done
    expected = pledge.carrier.representative
    if not typed_name.strip():
        raise PledgeError(_("Vui lòng gõ họ tên người đại diện."))
    if expected and not same_name(typed_name, expected):
        raise PledgeError(_("Họ tên phải trùng với người đại diện đã đăng ký: %(name)s.") % {"name": expected})
    if not signature_png.startswith(b"\x89PNG") or len(signature_png) > 512 * 1024:
        raise PledgeError(_("Vui lòng vẽ chữ ký vào khung."))
    # The code is checked (and counted) now but used up only with the answer, so a double submit signs once.
    check_otp(pledge=pledge, purpose=OtpChallenge.Purpose.SIGN, code=code, consume=False, client=client)
    now = timezone.now()
    try:
        signed = signing.sign_pdf(
            pledge.issued_pdf.read(),
            key_id=settings.VANTHU_PLEDGES_SYSTEM_KEY,
            level=settings.VANTHU_PLEDGES_SIMPLE_LEVEL,
            appearance="text",
            page=signature_page(pledge),
            box=simple_stamp_box(pledge),
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


def signature_box(pledge: Pledge) -> tuple[float, float, float, float] | None:
    box = (pledge.signature_box or {}).get("box")
    return tuple(box) if box else None


def simple_stamp_box(pledge: Pledge) -> tuple[float, float, float, float] | None:
    """The signature space widened across the signer's column (right half of the A4 page): the drawing goes
    beside the three stamp lines and the time line is not clipped."""
    box = signature_box(pledge)
    if box is None:
        return None
    x1, y1, x2, y2 = box
    return (min(x1, max(A4_WIDTH / 2, x1 - 40)), y1, max(x2, min(A4_WIDTH - RIGHT_MARGIN, x2 + 45)), y2)


def signature_page(pledge: Pledge) -> int | None:
    return (pledge.signature_box or {}).get("page")


# --- (b) and (c): the business's own certificate ---------------------------------------------------


def check_carrier_signature(*, pledge: Pledge, data: bytes) -> dict[str, Any]:
    """Method c's rule (and b's): valid, trusted, covers exactly the issued pledge, certificate names this business.

    Returns what was found about the signer; raises PledgeError with the precise reason otherwise.
    """
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
    if any(same_name(carrier.name, name or "") for name in (sig.signer_organisation, sig.signer_common_name)):
        return found | {"matched_by": "name"}
    raise PledgeError(
        _("Chứng thư số cấp cho «%(name)s», không ghi mã số thuế và không trùng tên đơn vị «%(mine)s».")
        % {"name": sig.signer_organisation or sig.signer_common_name or "?", "mine": carrier.name}
    )


def accept_upload(*, pledge: Pledge, data: bytes, user: Actor = None, client: str = "") -> SignOutcome:
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


def sign_with_pkcs12(
    *, pledge: Pledge, pkcs12: bytes, password: str, user: Actor = None, client: str = ""
) -> SignOutcome:
    """Method b: the business's own certificate, used in memory for this one signature and never stored."""
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
            box=signature_box(locked),
            page=signature_page(locked),
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


def decline(*, pledge: Pledge, reason: str, user: Actor = None, client: str = "") -> SignOutcome:
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
