"""Telling the sender of an electronic incoming document where it stands (edXML status packages, spec section 3).

`notify_sender(document=..., status=...)` records a `StatusMessage` with the package and, once the surrounding
transaction commits, hands it to the configured transport (`workflows.incoming.exchange`). A rolled-back step sends
nothing; a transport that fails leaves the message FAILED with the reason (logged, audited) and never undoes the
step itself: `resend_failed()` tries again (`manage.py poll_edxml` does at each run). `refuse_package(package=...,
reason=...)` does the same for a package refused on arrival (status 02), which never became a document.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from core.audit import log_action
from core.types import Actor

from ..exchange import Transport, TransportError, get_transport
from ..models import IncomingDocument, StatusMessage
from ..packages import Organ, Package, ResponseFor
from ..status import StatusCode, build_status, staff_info, status_package_for

__all__ = ["notify_sender", "refuse_package", "resend_failed"]

logger = logging.getLogger(__name__)


def is_electronic(document: IncomingDocument) -> bool:
    """Came through the exchange (a sender OrganId and its DocumentId): a sender to tell."""
    return bool(document.issuer_organ_id and document.sender_document_id)


def notify_sender(
    *, document: IncomingDocument, status: str, description: str = "", user: Actor = None
) -> StatusMessage | None:
    """Send status `status` (01–06, 15, 16 …) about `document` to its sender; None when it did not come electronically."""
    code = StatusCode(status)
    if not is_electronic(document):
        return None
    package = status_package_for(document=document, status=code, description=description, staff=staff_info(user))
    return _record(
        package=package,
        code=code,
        description=description,
        user=user,
        document=document,
        to=document.issuer_organ_id,
        about=document.sender_document_id,
    )


def refuse_package(
    *,
    package: Package,
    reason: str,
    user: Actor = None,
    status: StatusCode | str = StatusCode.REFUSED,
    document_id: str = "",
    document: IncomingDocument | None = None,
) -> StatusMessage | None:
    """Answer a package that did not become (or change) a document: status 02 with `reason` by default, or 16 to a
    recall that names nothing of ours. About `document_id` (default: the package's DocumentId); None if none."""
    document_id = document_id or package.document_id
    if not document_id or not package.sender.organ_id:
        return None
    code = StatusCode(status)
    data = build_status(
        status=code,
        response_for=ResponseFor(
            organ_id=package.sender.organ_id,
            code=package.number,
            promulgation_date=package.promulgation_date,
            document_id=document_id,
        ),
        to=Organ(organ_id=package.sender.organ_id, name=package.sender.name),
        description=reason,
        staff=staff_info(user),
    )
    return _record(
        package=data,
        code=code,
        description=reason,
        user=user,
        document=document,
        to=package.sender.organ_id,
        about=document_id,
    )


def _record(
    *,
    package: bytes,
    code: StatusCode,
    description: str,
    user: Actor,
    document: IncomingDocument | None,
    to: str,
    about: str,
) -> StatusMessage:
    message = StatusMessage.objects.create(
        document=document,
        to_organ_id=to[:64],
        about_document_id=about[:255],
        code=code.value,
        description=" ".join(description.split())[:1000],
        package=package.decode("utf-8"),
        sent_by=user if getattr(user, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: _deliver(message.pk))
    return message


def _deliver(message_pk: int, transport: Transport | None = None) -> None:
    message = StatusMessage.objects.select_related("document").get(pk=message_pk)
    try:
        transport = transport or get_transport()
    except (ImproperlyConfigured, TransportError) as exc:  # a misconfigured transport must not undo the step
        _failed(message, f"transport configuration: {exc}")
        return
    if transport is None:
        message.state, message.transport = StatusMessage.State.OFF, ""
        message.save(update_fields=["state", "transport"])
        logger.info(
            "edXML status %s about %s recorded, not sent: no transport", message.code, message.about_document_id
        )
        return
    message.transport = transport.name
    try:
        message.transport_id = transport.send(message.package.encode("utf-8"), to=message.to_organ_id, kind="status")[
            :255
        ]
    except TransportError as exc:
        _failed(message, exc.detail or exc.message)
        return
    message.state, message.sent_at, message.error = StatusMessage.State.SENT, timezone.now(), ""
    message.save(update_fields=["state", "transport", "transport_id", "sent_at", "error"])
    log_action(
        "workflows.incoming.status_sent",
        {"code": message.code, "to": message.to_organ_id, "transport": transport.name},
        message.sent_by,
        obj=message.document or message,
    )


def _failed(message: StatusMessage, reason: str) -> None:
    message.state, message.error = StatusMessage.State.FAILED, reason[:1000]
    message.save(update_fields=["state", "transport", "error"])
    logger.warning("edXML status %s about %s not sent: %s", message.code, message.about_document_id, reason)
    log_action(
        "workflows.incoming.status_failed",
        {"code": message.code, "to": message.to_organ_id, "reason": reason[:300]},
        message.sent_by,
        obj=message.document or message,
    )


def resend_failed(*, transport: Transport | None = None) -> int:
    """Try again every status package that could not be sent; returns how many went this time."""
    sent = 0
    for pk in StatusMessage.objects.filter(state=StatusMessage.State.FAILED).values_list("pk", flat=True):
        _deliver(pk, transport)
        sent += StatusMessage.objects.filter(pk=pk, state=StatusMessage.State.SENT).exists()
    return sent
