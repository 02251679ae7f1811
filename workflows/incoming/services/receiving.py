"""Receiving edXML packages: read and check one as the receiver (ND 30 Art. 20), register it or refuse it, and poll
the configured transport for the packages waiting for us.

`inspect_package(data)` reads and assesses (raises `UnreadablePackage`); `register_package(...)` registers an
accepted document from its package; `receive_package(...)` does both and answers a refused package with status 02;
`poll(...)` runs `receive_package` on every package the transport lists and acknowledges each one once.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.types import Actor
from templates_docs.doctypes import URGENCY_RANK, Urgency

from ..errors import IncomingError, PossibleDuplicate
from ..exchange import Transport, TransportError, get_transport
from ..models import Channel, IncomingDocument, RecallRequest
from ..packages import Assessment, BusinessType, PackageError, UnreadablePackage, assess_package, read_package
from ..selectors import find_duplicates
from ..status import StatusCode, parse_status
from .exchange import refuse_package, resend_failed
from .recall import receive_recall
from .registration import register_incoming

__all__ = ["Outcome", "Received", "inspect_package", "poll", "receive_package", "register_package"]

logger = logging.getLogger(__name__)
_BY_RANK = {rank: urgency for urgency, rank in URGENCY_RANK.items()}


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"  # registered (or, only checked, would be)
    ALREADY = "already-registered"  # the same DocumentId from the same sender is in the register
    REFUSED = "refused"
    UNREADABLE = "unreadable"
    STATUS = "status"  # a status package about a document we sent: recorded
    RECALL = "recall"  # the sender recalls a document: accepted at once, or waiting for the clerk


@dataclass(frozen=True)
class Received:
    outcome: Outcome
    assessment: Assessment | None = None
    document: IncomingDocument | None = None
    reason: PackageError | IncomingError | None = None
    recall: RecallRequest | None = None


def inspect_package(data: bytes, *, organ_id: str | None = None) -> Assessment:
    """Read and check a package as its receiver; `UnreadablePackage` if it cannot be read."""
    return assess_package(read_package(data), organ_id=organ_id)


def _validation(assessment: Assessment) -> dict[str, Any]:
    document = next((c for c in assessment.checks if c.report is not None), None)
    return document.report.to_dict() if document is not None else {}


def already_registered(assessment: Assessment) -> IncomingDocument | None:
    package = assessment.package
    if not package.document_id:
        return None
    return IncomingDocument.objects.filter(
        issuer_organ_id__iexact=package.sender.organ_id, sender_document_id=package.document_id
    ).first()


def register_package(
    *, assessment: Assessment, data: bytes, user: Actor, confirm_duplicate: bool = False
) -> IncomingDocument:
    """Register the document an accepted package carries (its first PDF; the package itself is kept whole)."""
    if not assessment.accepted:
        raise assessment.refusal
    package = assessment.package
    pdf = next(c.attachment for c in assessment.checks if c.report is not None)
    note = ""
    if confirm_duplicate:
        duplicates = find_duplicates(
            issuer_name=package.sender.name,
            issuer_organ_id=package.sender.organ_id,
            code=package.number,
            sha256=pdf.sha256,
        )
        if duplicates:
            note = _("Có thể trùng với văn bản đến số %(items)s.") % {
                "items": ", ".join(f"{d.display_number}/{d.year}" for d in duplicates)
            }
    return _register(
        package=package,
        pdf=pdf,
        data=data,
        assessment=assessment,
        user=user,
        note=note,
        confirm_duplicate=confirm_duplicate,
    )


def _register(*, package, pdf, data, assessment, user, note, confirm_duplicate) -> IncomingDocument:
    today = timezone.localdate()
    return register_incoming(
        channel=Channel.EDXML,
        issuer_name=package.sender.name or package.sender.organ_id,
        issuer_organ_id=package.sender.organ_id,
        code=package.number,
        issued_date=package.promulgation_date,
        doc_type=package.type_name,
        subject=package.subject or package.number or pdf.name,
        signer_name=package.signer.full_name,
        urgency=_BY_RANK.get(min(max(package.priority, 0), 3), Urgency.NORMAL),
        deadline=package.due_date if package.due_date and package.due_date >= today else None,
        page_count=package.page_amount or None,
        file_data=pdf.data,
        filename=pdf.name,
        package_data=data,
        validation=_validation(assessment),
        sender_document_id=package.document_id,
        response_for=package.response_for.document_id if package.response_for else "",
        user=user,
        note=note,
        confirm_duplicate=confirm_duplicate,
    )


def receive_package(
    *, data: bytes, user: Actor, confirm_duplicate: bool = False, answer_refusal: bool = True
) -> Received:
    """Read, check and register one package; a refused one is answered with status 02 (the reason)."""
    try:
        assessment = inspect_package(data)
    except UnreadablePackage as exc:
        return Received(Outcome.UNREADABLE, reason=exc)
    package = assessment.package
    if package.is_status and assessment.accepted:
        try:
            status = parse_status(data)
        except UnreadablePackage as exc:
            return Received(Outcome.UNREADABLE, assessment=assessment, reason=exc)
        if status.status is StatusCode.RECALL:
            return _recall(assessment, data, user)
        log_action(
            "workflows.incoming.status_received",
            {
                "code": status.status.value,
                "from": status.sender.organ_id,
                "about": status.response_for.document_id,
                "description": status.description[:300],
            },
            user,
        )
        return Received(Outcome.STATUS, assessment=assessment)
    if package.business_type is BusinessType.REVOKE and assessment.accepted:
        return _recall(assessment, data, user)
    if package.business_type in (BusinessType.UPDATE, BusinessType.REPLACE) and assessment.addressed:
        reason = UnsupportedChange(
            _("Chưa tiếp nhận được văn bản cập nhật hoặc thay thế qua trục; đề nghị gửi văn bản mới."),
            detail=f"BussinessDocType {package.business_type.name.lower()} is not handled",
        )
        if answer_refusal:
            refuse_package(package=package, reason=reason.message, user=user, status=StatusCode.RECALL_REFUSED)
        _log_refusal(assessment, reason, user)
        return Received(Outcome.REFUSED, assessment=assessment, reason=reason)
    if not assessment.accepted:
        if answer_refusal:
            refuse_package(package=package, reason=assessment.refusal.message, user=user)
        _log_refusal(assessment, assessment.refusal, user)
        return Received(Outcome.REFUSED, assessment=assessment, reason=assessment.refusal)
    existing = already_registered(assessment)
    if existing is not None:
        return Received(Outcome.ALREADY, assessment=assessment, document=existing)
    try:
        document = register_package(assessment=assessment, data=data, user=user, confirm_duplicate=confirm_duplicate)
    except PossibleDuplicate as exc:
        return Received(Outcome.REFUSED, assessment=assessment, reason=exc)  # the clerk decides: not answered
    except IncomingError as exc:
        if answer_refusal:
            refuse_package(package=package, reason=exc.message, user=user)
        _log_refusal(assessment, exc, user)
        return Received(Outcome.REFUSED, assessment=assessment, reason=exc)
    return Received(Outcome.ACCEPTED, assessment=assessment, document=document)


class UnsupportedChange(PackageError):
    """An update or replacement of a document: answered 16, the sender sends a new document instead."""


def _recall(assessment: Assessment, data: bytes, user: Actor) -> Received:
    recall = receive_recall(package=assessment.package, data=data, user=user)
    return Received(Outcome.RECALL, assessment=assessment, document=recall.document, recall=recall)


def _log_refusal(assessment: Assessment, reason: PackageError | IncomingError, user: Actor) -> None:
    package = assessment.package
    log_action(
        "workflows.incoming.refused",
        {"from": package.sender.organ_id, "document_id": package.document_id, "reason": reason.detail[:300]},
        user,
    )


@dataclass(frozen=True)
class Polled:
    package_id: str
    received: Received | None
    error: str = ""


def poll(*, user: Actor, transport: Transport | None = None) -> list[Polled]:
    """Take every package waiting at the transport: register or refuse each, acknowledge it once.

    A package that cannot be fetched is left for the next poll; one that reads as unreadable or refused is
    acknowledged as failed (it will not come again), anything else as done. A possible duplicate is registered with
    a note naming the earlier one; a redelivery of a registered DocumentId registers nothing. Failed status packages
    are sent again first.
    """
    transport = transport or get_transport()
    if transport is None:
        raise IncomingError(
            _("Chưa cấu hình trục liên thông (VANTHU_EDXML_TRANSPORT)."), detail="VANTHU_EDXML_TRANSPORT is off"
        )
    resend_failed(transport=transport)
    results = []
    for waiting in transport.received():
        try:
            data = transport.fetch(waiting.id)
        except TransportError as exc:
            logger.warning("edXML package %s not fetched: %s", waiting.id, exc.detail)
            results.append(Polled(waiting.id, None, error=exc.detail))
            continue
        # unattended: a possible duplicate (another DocumentId) is registered with a note for the clerk
        received = receive_package(data=data, user=user, confirm_duplicate=True)
        ok = received.outcome not in (Outcome.UNREADABLE, Outcome.REFUSED)
        try:
            transport.acknowledge(waiting.id, ok=ok)
        except TransportError as exc:
            logger.warning("edXML package %s not acknowledged: %s", waiting.id, exc.detail)
            results.append(Polled(waiting.id, received, error=exc.detail))
            continue
        results.append(Polled(waiting.id, received))
    return results
