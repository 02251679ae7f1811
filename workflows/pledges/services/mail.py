"""The campaign's outgoing e-mail: every message is recorded, delivered after commit, and a failure stays visible."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from core.audit import log_action
from core.tasks import enqueue_with_transaction
from workflows.pledges.models import OutgoingEmail, Pledge

logger = logging.getLogger(__name__)


def queue_email(*, pledge: Pledge | None, kind: str, subject: str, body: str) -> OutgoingEmail:
    email = OutgoingEmail.objects.create(
        pledge=pledge, kind=kind, to=pledge.carrier.email if pledge else "", subject=subject, body=body
    )
    enqueue_with_transaction(deliver_email_task, email.pk)
    return email


def message_id(email: OutgoingEmail) -> str:
    """The same Message-ID on every attempt: if a worker dies after the SMTP server took the message but before
    it was recorded as sent, the attempt that follows is the same message, which mail systems deliver once."""
    return f"<vanthu-outgoing-{email.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}>"


def deliver_email(*, email: OutgoingEmail, body: str | None = None) -> OutgoingEmail:
    """Send through Django's mail API with a few retries; a final failure is recorded and shown to staff."""
    retries = settings.VANTHU_PLEDGES_EMAIL_RETRIES
    delay = settings.VANTHU_PLEDGES_EMAIL_RETRY_DELAY
    for attempt in range(1, retries + 1):
        try:
            EmailMessage(
                subject=email.subject, body=body or email.body, to=[email.to], headers={"Message-ID": message_id(email)}
            ).send(fail_silently=False)
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


@task()
def deliver_email_task(email_id: int) -> None:
    email = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.QUEUED).first()
    if email is not None:
        deliver_email(email=email)
