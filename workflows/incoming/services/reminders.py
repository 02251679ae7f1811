"""Chasing overdue incoming documents (ND 30 Art. 24.4, theo dõi, đôn đốc): whoever holds the open step of a
document past its deadline (or everyone who may take it) is e-mailed once per step, the most urgent first."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core.audit import log_action
from core.roles import users_with_permission

from ..selectors import open_tasks, step_deadline


def remind_overdue(*, today: dt.date | None = None) -> int:
    """E-mail the holder (or the queue) of each open step whose deadline has passed; once per step."""
    today = today or timezone.localdate()
    sent = 0
    overdue = []
    for step in open_tasks():
        deadline = step_deadline(step)
        if deadline is not None and deadline < today and not step.data.get("reminded_at"):
            overdue.append((step, deadline))
    overdue.sort(key=lambda item: (-item[0].process.coerced.document.urgency_rank, item[1]))
    for step, deadline in overdue:
        document = step.process.coerced.document
        users = [step.owner] if step.owner_id else users_with_permission(step.owner_permission)
        emails = sorted({u.email for u in users if u and u.email})
        if emails:
            urgency = f"[{document.get_urgency_display()}] " if document.urgency else ""
            send_mail(
                _("[vanthu] %(urgency)sVăn bản đến quá hạn: %(subject)s")
                % {"urgency": urgency, "subject": document.subject[:120]},
                _('Văn bản đến số %(number)s "%(subject)s" đã quá hạn %(step)s từ %(deadline)s.\n%(url)s\n')
                % {
                    "number": str(document),
                    "subject": document.subject,
                    "step": str(step.flow_task.task_title).lower(),
                    "deadline": deadline.strftime("%d/%m/%Y"),
                    "url": settings.SITE_URL.rstrip("/") + reverse("incoming:detail", args=[document.pk]),
                },
                None,
                emails,
            )
        step.data["reminded_at"] = timezone.now().isoformat()
        step.save(update_fields=["data"])
        log_action(
            "workflows.incoming.reminded",
            {"step": step.flow_task.name, "emails": emails, "deadline": deadline},
            None,
            obj=document,
        )
        sent += 1
    return sent


@task()
def remind_overdue_incoming_task() -> int:
    """Chase every incoming document past its deadline (once per step). Returns how many were chased."""
    return remind_overdue()
