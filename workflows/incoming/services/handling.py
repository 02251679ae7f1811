"""Handling a registered document (ND 30 Art. 24): the leadership's direction, the head of unit's assignment, the
handler's proposals and closing, and the cooperating units' opinions. Each is one `Opinion` of the phiếu giải quyết
and one audit entry; the document's status and the register's "Chuyển" columns follow, and the sender of an
electronic document is told (edXML status 04 directed, 05 in progress, 06 done).

The flow (`flows.py`) calls these from its steps; nothing here knows about viewflow's tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.models import StaffProfile
from core.types import User

from ..errors import IncomingError
from ..models import IncomingDocument, IncomingProcess, Opinion, Status
from ..selectors import may_decide_extension, opinion_level, unit_members, unit_names
from ..status import StatusCode
from .exchange import notify_sender

__all__ = ["add_opinion", "assign", "close", "decide_extension", "direct", "present", "request_extension"]


def _author_label(user: User) -> str:
    profile = StaffProfile.objects.filter(user=user).first()
    name = user.get_full_name() or user.get_username()
    return f"{name} ({profile.title})" if profile and profile.title else name


def _text(value: str, *, limit: int = 4000) -> str:
    return "\n".join(line.strip() for line in value.strip().splitlines() if line.strip())[:limit]


def _check_deadline(deadline: dt.date | None, *, document: IncomingDocument, required: bool) -> None:
    if deadline is None:
        if required:
            raise IncomingError(_("Chưa nhập hạn giải quyết."), detail="deadline missing")
        return
    received_on = timezone.localdate(document.received_at)
    if deadline < received_on:
        raise IncomingError(
            _("Hạn giải quyết không thể trước ngày đến (%(date)s).") % {"date": received_on.strftime("%d/%m/%Y")},
            detail=f"deadline {deadline} before {received_on}",
        )


def present(*, process: IncomingProcess, document: IncomingDocument) -> IncomingProcess:
    """The registered document goes to the leadership (the flow's start)."""
    process.document = document
    process.save()
    IncomingDocument.objects.filter(pk=document.pk).update(status=Status.PRESENTED)
    document.status = Status.PRESENTED
    log_action("workflows.incoming.presented", {"number": document.number, "year": document.year}, None, obj=document)
    return process


def direct(
    *,
    process: IncomingProcess,
    user: User,
    lead_unit: str,
    cooperating_units: Sequence[str] = (),
    deadline: dt.date | None,
    note: str = "",
) -> Opinion:
    """The leadership's direction (ý kiến chỉ đạo): the unit in charge, the cooperating units, the deadline."""
    names = unit_names()
    if lead_unit not in names:
        raise IncomingError(_("Hãy chọn đơn vị chủ trì."), detail=f"unknown lead unit {lead_unit!r}")
    unknown = [u for u in cooperating_units if u not in names]
    if unknown:
        raise IncomingError(_("Đơn vị phối hợp không hợp lệ."), detail=f"unknown units {unknown}")
    cooperating = [u for u in dict.fromkeys(cooperating_units) if u != lead_unit]
    document = process.document
    _check_deadline(deadline, document=document, required=True)
    text = _text(note)
    if not text:
        text = _("Giao %(lead)s chủ trì") % {"lead": names[lead_unit]}
        if cooperating:
            text += _(", %(units)s phối hợp") % {"units": ", ".join(names[u] for u in cooperating)}
        text += "."
    with transaction.atomic():
        process.lead_unit, process.cooperating_units = lead_unit, cooperating
        process.save(update_fields=["lead_unit", "cooperating_units"])
        document.deadline = deadline
        document.routed_to = names[lead_unit][:255]
        document.routed_on = timezone.localdate()
        document.status = Status.DIRECTED
        document.save(update_fields=["deadline", "routed_to", "routed_on", "status", "updated_at"])
        opinion = Opinion.objects.create(
            document=document,
            level=Opinion.Level.LEADERSHIP,
            author=user,
            author_label=_author_label(user),
            unit=lead_unit,
            text=text,
            deadline=deadline,
        )
        log_action(
            "workflows.incoming.directed",
            {"lead_unit": lead_unit, "cooperating_units": cooperating, "deadline": deadline, "note": text},
            user,
            obj=document,
        )
        notify_sender(document=document, status=StatusCode.ASSIGNED, description=text, user=user)
    return opinion


def assign(*, process: IncomingProcess, user: User, handler: User, deadline: dt.date | None, note: str = "") -> Opinion:
    """The head of the unit in charge names the handler and the handler's deadline (within the leadership's)."""
    document = process.document
    if not unit_members(process.lead_unit).filter(pk=handler.pk).exists():
        raise IncomingError(
            _("Người giải quyết phải là cán bộ của đơn vị chủ trì."), detail=f"user {handler.pk} not in unit"
        )
    _check_deadline(deadline, document=document, required=True)
    if document.deadline and deadline > document.deadline:
        raise IncomingError(
            _("Hạn của người giải quyết không thể sau hạn lãnh đạo đã giao (%(date)s).")
            % {"date": document.deadline.strftime("%d/%m/%Y")},
            detail=f"handler deadline {deadline} after {document.deadline}",
        )
    text = _text(note) or _("Giao %(name)s giải quyết.") % {"name": handler.get_full_name() or handler.get_username()}
    with transaction.atomic():
        process.handler, process.handler_deadline = handler, deadline
        process.save(update_fields=["handler", "handler_deadline"])
        document.status = Status.ASSIGNED
        document.received_by = (handler.get_full_name() or handler.get_username())[:200]
        document.save(update_fields=["status", "received_by", "updated_at"])
        opinion = Opinion.objects.create(
            document=document,
            level=Opinion.Level.UNIT,
            author=user,
            author_label=_author_label(user),
            unit=process.lead_unit,
            text=text,
            deadline=deadline,
        )
        log_action(
            "workflows.incoming.assigned",
            {"handler": handler.get_username(), "deadline": deadline, "note": text},
            user,
            obj=document,
        )
    return opinion


def add_opinion(*, document: IncomingDocument, user: User, text: str) -> Opinion:
    """The handler's proposal (the document is then in progress) or a cooperating unit's opinion."""
    level = opinion_level(user, document)
    if level is None:
        raise IncomingError(
            _("Bạn không giải quyết hay phối hợp giải quyết văn bản này."), detail="user may not give an opinion"
        )
    if document.status not in (Status.ASSIGNED, Status.IN_PROGRESS, Status.DIRECTED):
        raise IncomingError(_("Văn bản này không còn đang giải quyết."), detail=f"status {document.status}")
    text = _text(text)
    if not text:
        raise IncomingError(_("Chưa nhập ý kiến."), detail="empty opinion")
    profile = StaffProfile.objects.filter(user=user).first()
    with transaction.atomic():
        opinion = Opinion.objects.create(
            document=document,
            level=level,
            author=user,
            author_label=_author_label(user),
            unit=profile.unit_abbreviation if profile else "",
            text=text,
        )
        if level == Opinion.Level.HANDLER and document.status == Status.ASSIGNED:
            document.status = Status.IN_PROGRESS
            document.save(update_fields=["status", "updated_at"])
            notify_sender(document=document, status=StatusCode.IN_PROGRESS, user=user)
        log_action("workflows.incoming.opinion", {"level": level, "text": text}, user, obj=document)
    return opinion


def close(*, process: IncomingProcess, user: User, resolution: str) -> None:
    """The handler closes the document: what was done (a reply's number is named by the replies themselves)."""
    document = process.document
    text = _text(resolution)
    if not text and not document.replies.exists():
        raise IncomingError(
            _("Hãy ghi kết quả giải quyết, hoặc soạn văn bản trả lời trước khi kết thúc."), detail="empty resolution"
        )
    with transaction.atomic():
        process.resolution = text
        process.save(update_fields=["resolution"])
        document.status = Status.DONE
        document.save(update_fields=["status", "updated_at"])
        if text:
            Opinion.objects.create(
                document=document,
                level=Opinion.Level.HANDLER,
                author=user,
                author_label=_author_label(user),
                unit=process.lead_unit,
                text=text,
            )
        log_action("workflows.incoming.closed", {"resolution": text}, user, obj=document)
        notify_sender(document=document, status=StatusCode.DONE, description=text, user=user)


def request_extension(*, process: IncomingProcess, user: User, until: dt.date | None, reason: str) -> Opinion:
    """The handler asks for more time: a later deadline and why. The head of the unit in charge (within the
    leadership's deadline) or the leadership decides."""
    document = process.document
    if process.handler_id != user.pk or document.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        raise IncomingError(_("Chỉ người đang giải quyết văn bản mới đề nghị gia hạn."), detail="not the handler")
    current = process.handler_deadline or document.deadline
    if until is None or (current and until <= current):
        raise IncomingError(
            _("Hạn đề nghị phải sau hạn hiện tại (%(date)s).") % {"date": current.strftime("%d/%m/%Y")}
            if current
            else _("Chưa nhập hạn đề nghị."),
            detail=f"extension {until} not after {current}",
        )
    reason = _text(reason, limit=1000)
    if not reason:
        raise IncomingError(_("Hãy ghi lý do đề nghị gia hạn."), detail="empty reason")
    with transaction.atomic():
        process.extension_until, process.extension_reason = until, reason
        process.save(update_fields=["extension_until", "extension_reason"])
        opinion = Opinion.objects.create(
            document=document,
            level=Opinion.Level.HANDLER,
            author=user,
            author_label=_author_label(user),
            unit=process.lead_unit,
            text=_("Đề nghị gia hạn đến %(date)s: %(reason)s") % {"date": until.strftime("%d/%m/%Y"), "reason": reason},
            deadline=until,
        )
        log_action("workflows.incoming.extension_requested", {"until": until, "reason": reason}, user, obj=document)
    return opinion


def decide_extension(*, process: IncomingProcess, user: User, approve: bool, note: str = "") -> Opinion:
    """Grant or refuse the pending request. The head of the unit in charge grants within the leadership's deadline;
    the leadership may also move the document's own deadline."""
    document = process.document
    until = process.extension_until
    if until is None:
        raise IncomingError(_("Không có đề nghị gia hạn nào đang chờ."), detail="no pending extension")
    level = may_decide_extension(user, process)
    if level is None:
        raise IncomingError(_("Bạn không có quyền quyết định gia hạn văn bản này."), detail="may not decide")
    if approve and level == Opinion.Level.UNIT and document.deadline and until > document.deadline:
        raise IncomingError(
            _("Hạn đề nghị sau hạn lãnh đạo đã giao (%(date)s): cần lãnh đạo cơ quan đồng ý.")
            % {"date": document.deadline.strftime("%d/%m/%Y")},
            detail="extension beyond the leadership's deadline",
        )
    note = _text(note, limit=1000)
    if approve:
        text = _("Đồng ý gia hạn đến %(date)s.") % {"date": until.strftime("%d/%m/%Y")}
    else:
        text = _("Không đồng ý gia hạn.")
    if note:
        text += f" {note}"
    with transaction.atomic():
        if approve:
            process.handler_deadline = until
            if document.deadline is None or until > document.deadline:
                document.deadline = until
                document.save(update_fields=["deadline", "updated_at"])
        process.extension_until, process.extension_reason = None, ""
        process.save(update_fields=["handler_deadline", "extension_until", "extension_reason"])
        opinion = Opinion.objects.create(
            document=document,
            level=level,
            author=user,
            author_label=_author_label(user),
            unit=process.lead_unit,
            text=text,
            deadline=until if approve else None,
        )
        log_action(
            "workflows.incoming.extension_decided",
            {"approved": approve, "until": until, "note": note},
            user,
            obj=document,
        )
    return opinion
