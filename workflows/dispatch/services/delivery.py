"""After the seal: sending to every recipient (in-app inbox, e-mail, edXML for other agencies), their receipts,
and publishing a public dispatch into the site's directives library."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import publish_directive
from core.audit import log_action
from core.models import StoredFile
from core.organisation import organisation_info
from core.types import User
from signing.services import verification_url
from templates_docs.doctypes import get_type
from templates_docs.names import agency_in_text
from workflows.dispatch.errors import DispatchError
from workflows.dispatch.models import DispatchProcess, DispatchRecipient, DispatchRevision, Stage
from workflows.dispatch.services.documents import staff_profile, user_label
from workflows.dispatch.services.issuing import copy_state, lock_process
from workflows.dispatch.services.steps import require_step

logger = logging.getLogger(__name__)


def internal_users_of_unit(abbreviation: str) -> QuerySet:
    User = get_user_model()
    return User.objects.filter(staff_profile__unit_abbreviation=abbreviation, is_active=True)


def recipient_users(recipient: DispatchRecipient) -> QuerySet:
    """The accounts that see a recipient's copy in their in-app inbox."""
    User = get_user_model()
    if recipient.kind == DispatchRecipient.Kind.CARRIER and recipient.carrier_id:
        return recipient.carrier.users.filter(is_active=True)
    if recipient.kind == DispatchRecipient.Kind.UNIT and recipient.unit_abbreviation:
        return internal_users_of_unit(recipient.unit_abbreviation)
    return User.objects.none()


def _notification_emails(recipient: DispatchRecipient) -> list[str]:
    emails = {u.email for u in recipient_users(recipient) if u.email}
    if recipient.email:
        emails.add(recipient.email)
    if recipient.kind == DispatchRecipient.Kind.CARRIER and recipient.carrier_id and recipient.carrier.email:
        emails.add(recipient.carrier.email)
    return sorted(emails)


def send_dispatch(*, process: DispatchProcess, user: User) -> list[DispatchRecipient]:
    """Deliver to every recipient: in-app inbox, an e-mail with a link (after commit), edXML for other agencies."""
    with transaction.atomic():
        locked = lock_process(process)
        if locked.sent_at is not None:
            return list(locked.recipients.all())
        require_step(locked, user, stages=(Stage.SENDING,), permission="can_send_dispatchprocess")
        issued = locked.latest_revision(DispatchRevision.Kind.SEALED)
        if issued is None:
            raise DispatchError(_("Văn bản chưa được ký số và đóng dấu, chưa phát hành được."))
        now = timezone.now()
        recipients = list(locked.recipients.select_related("carrier"))
        mails: list[tuple[str, list[str]]] = []
        for recipient in recipients:
            if recipient.kind == DispatchRecipient.Kind.TEXT:
                continue
            recipient.delivered_at = now
            recipient.save(update_fields=["delivered_at"])
            emails = _notification_emails(recipient)
            if emails:
                mails.append((reverse("dispatch:inbox_item", args=[recipient.pk]), emails))
        locked.sent_at = now
        locked.stage = Stage.SENT
        locked.save(update_fields=["sent_at", "stage"])
        log_action(
            "workflows.dispatch.sent",
            {
                "number": locked.number,
                "sha256": issued.pdf.sha256,
                "recipients": [r.name for r in recipients],
            },
            user,
            obj=locked,
        )
        subject = _("[vanthu] Văn bản số %(number)s: %(subject)s") % {
            "number": locked.number,
            "subject": locked.subject[:120],
        }

        def _mail() -> None:
            org = organisation_info()
            for path, emails in mails:
                text = _(
                    "Quý cơ quan/đơn vị nhận được văn bản số %(number)s ngày %(date)s của %(agency)s.\n"
                    "Trích yếu: %(subject)s\n\nXem, tải văn bản và xác nhận đã nhận tại: %(url)s\n"
                ) % {
                    "number": locked.number,
                    "date": locked.issued_date.strftime("%d/%m/%Y") if locked.issued_date else "",
                    "agency": agency_in_text(org["agency"], place=org["place"]),
                    "subject": locked.subject,
                    "url": settings.SITE_URL.rstrip("/") + path,
                }
                try:
                    send_mail(subject, text, None, emails)
                except Exception:  # mail failure must not undo an issued dispatch; the inbox still has it
                    logger.exception("Sending notification mail for dispatch %s failed", locked.pk)

        transaction.on_commit(_mail)
    copy_state(process, locked)
    return recipients


def publish_dispatch(*, process: DispatchProcess) -> None:
    """Put a public dispatch into the site's directives library (called by the flow's publish node)."""
    if process.published_at is not None:
        return
    issued = process.latest_revision(DispatchRevision.Kind.SEALED)
    signer_profile = staff_profile(process.signer)

    publish_directive(
        source_key=f"dispatch:{process.pk}",
        number=process.number,
        title=process.subject,
        subject=process.subject,
        doc_type=process.doc_type,
        doc_type_name=get_type(process.doc_type).name,
        issued_date=process.issued_date,
        issuer=organisation_info()["agency"],
        signer_name=user_label(process.signer),
        signer_title=" ".join(part for part in (process.authority_prefix, process.authority_title) if part).strip()
        or (signer_profile.title if signer_profile else ""),
        body=process.body,
        pdf=issued.pdf.read(),
        pdf_filename=f"{process.number.replace('/', '-')}.pdf",
        field=process.field,
        verification_url=verification_url(process.verification_code) if process.verification_code else "",
    )
    process.published_at = timezone.now()
    DispatchProcess.objects.filter(pk=process.pk).update(published_at=process.published_at)
    log_action("workflows.dispatch.published", {"number": process.number}, None, obj=process)


def mark_opened(*, recipient: DispatchRecipient, user: User) -> None:
    if recipient.opened_at is None:
        recipient.opened_at = timezone.now()
        recipient.opened_by = user
        recipient.save(update_fields=["opened_at", "opened_by"])
        log_action("workflows.dispatch.opened", {"recipient": recipient.name}, user, obj=recipient.process)


def acknowledge(*, recipient: DispatchRecipient, user: User) -> None:
    mark_opened(recipient=recipient, user=user)
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = timezone.now()
        recipient.acknowledged_by = user
        recipient.save(update_fields=["acknowledged_at", "acknowledged_by"])
        log_action("workflows.dispatch.acknowledged", {"recipient": recipient.name}, user, obj=recipient.process)


def record_download(*, process: DispatchProcess, revision: DispatchRevision | StoredFile, user: User) -> None:
    sha = revision.pdf.sha256 if isinstance(revision, DispatchRevision) else revision.sha256
    log_action("workflows.dispatch.downloaded", {"sha256": sha}, user, obj=process)
