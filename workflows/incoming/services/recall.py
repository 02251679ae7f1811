"""A sender's recall of a document (thu hồi: edXML BussinessDocType revoke, or status 13) and the answer to it.

`receive_recall(package=..., data=...)` finds the document the recall names (the sender's OrganId and DocumentId).
Not yet being handled (no direction given: received, registered, presented) → accepted at once: withdrawn and
status 15. Being handled → a pending `RecallRequest` the clerk decides on the document page with
`decide_recall(recall=..., accept=..., user=...)`: 15 and withdrawn, or 16 and kept. A recall naming nothing of ours
is refused with 16. Withdrawn means status RECALLED: out of the lists, the register and the duplicate check; the
row, its file and the recall record stay, and every step is in the audit log.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.status import PROCESS

from core.audit import log_action
from core.types import Actor

from ..errors import IncomingError
from ..models import IncomingDocument, IncomingProcess, RecallRequest, Status
from ..packages import Package
from ..status import StatusCode
from .exchange import notify_sender, refuse_package

__all__ = ["NOT_YET_HANDLED", "decide_recall", "receive_recall"]

NOT_YET_HANDLED = (Status.RECEIVED, Status.REGISTERED, Status.PRESENTED)


def _recalled_id(package: Package) -> str:
    if package.is_status:  # status 13: the document is the one the status is about
        return package.response_for.document_id if package.response_for else ""
    return package.document_id


def receive_recall(*, package: Package, data: bytes, user: Actor = None) -> RecallRequest:
    """Record the sender's recall and accept it at once if the document is not yet being handled."""
    document_id = _recalled_id(package)
    reason = " ".join((package.business_reason or package.status_description).split())[:1000]
    with transaction.atomic():
        document = (
            IncomingDocument.objects.select_for_update()
            .filter(issuer_organ_id__iexact=package.sender.organ_id, sender_document_id=document_id)
            .exclude(sender_document_id="")
            .first()
        )
        if document is not None:
            pending = document.recall_requests.filter(state=RecallRequest.State.PENDING).first()
            if pending is not None:  # the same recall delivered again
                return pending
        recall = RecallRequest.objects.create(
            document=document,
            sender_organ_id=package.sender.organ_id[:64],
            sender_document_id=document_id[:255],
            reason=reason,
            package=data.decode("utf-8", "replace"),
        )
        log_action(
            "workflows.incoming.recall_requested",
            {"from": package.sender.organ_id, "document_id": document_id, "reason": reason[:300]},
            user,
            obj=document or recall,
        )
        if document is None:
            message = _("Không có văn bản nào của bên gửi với mã %(id)s để thu hồi.") % {"id": document_id or "-"}
            _decide(recall, accept=False, user=user, note=message)
            refuse_package(
                package=package, reason=message, user=user, status=StatusCode.RECALL_REFUSED, document_id=document_id
            )
        elif document.status == Status.RECALLED:
            _decide(recall, accept=True, user=user, note=_("Văn bản đã được thu hồi trước đó."))
            notify_sender(document=document, status=StatusCode.RECALL_ACCEPTED, description=recall.decision_note)
        elif document.status in NOT_YET_HANDLED:
            try:
                with transaction.atomic():
                    _accept(recall, user=user, note=_("Văn bản chưa được giải quyết: đồng ý thu hồi."))
            except IncomingError:  # someone has its task open right now: the clerk decides
                recall.refresh_from_db()
    return recall


def decide_recall(*, recall: RecallRequest, accept: bool, user: Actor, note: str = "") -> RecallRequest:
    """The clerk's answer to a pending recall of a document being handled: 15 (withdrawn) or 16 (kept)."""
    with transaction.atomic():
        recall = RecallRequest.objects.select_for_update(of=("self",)).select_related("document").get(pk=recall.pk)
        if recall.state != RecallRequest.State.PENDING or recall.document is None:
            raise IncomingError(
                _("Đề nghị thu hồi này đã được xử lý."), detail=f"recall {recall.pk} is {recall.state}, not pending"
            )
        note = " ".join(note.split())[:1000]
        if accept:
            _accept(recall, user=user, note=note)
        else:
            _decide(recall, accept=False, user=user, note=note)
            notify_sender(
                document=recall.document,
                status=StatusCode.RECALL_REFUSED,
                description=note or _("Văn bản đang được giải quyết: không đồng ý thu hồi."),
                user=user,
            )
    return recall


def _cancel_process(document: IncomingDocument) -> None:
    """The document's handling process ends with it: its open tasks leave everyone's lists."""
    process = IncomingProcess.objects.filter(document=document).first()
    if process is None or process.status in (PROCESS.DONE, PROCESS.CANCELED):
        return
    try:
        process.flow_class.instance.cancel(process)
    except FlowRuntimeError as exc:
        raise IncomingError(
            _("Văn bản đang có người thao tác, chưa thu hồi được. Vui lòng thử lại sau."),
            detail=f"process {process.pk} of incoming {document.pk} cannot be cancelled: {exc}",
        ) from exc


def _accept(recall: RecallRequest, *, user: Actor, note: str) -> None:
    document = IncomingDocument.objects.select_for_update().get(pk=recall.document_id)
    withdrawn_from = document.status
    _cancel_process(document)
    document.status = Status.RECALLED
    document.save(update_fields=["status", "updated_at"])
    _decide(recall, accept=True, user=user, note=note)
    log_action(
        "workflows.incoming.recalled",
        {
            "number": document.number,
            "year": document.year,
            "code": document.code,
            "subject": document.subject,
            "document_id": document.sender_document_id,
            "was": withdrawn_from,
            "reason": recall.reason[:300],
        },
        user,
        obj=document,
    )
    notify_sender(document=document, status=StatusCode.RECALL_ACCEPTED, description=note, user=user)
    recall.document = document


def _decide(recall: RecallRequest, *, accept: bool, user: Actor, note: str) -> None:
    recall.state = RecallRequest.State.ACCEPTED if accept else RecallRequest.State.REFUSED
    recall.decided_by = user if getattr(user, "is_authenticated", False) else None
    recall.decided_at = timezone.now()
    recall.decision_note = note[:1000]
    recall.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    log_action(
        "workflows.incoming.recall_accepted" if accept else "workflows.incoming.recall_refused",
        {"document_id": recall.sender_document_id, "note": note[:300]},
        user,
        obj=recall.document or recall,
    )
