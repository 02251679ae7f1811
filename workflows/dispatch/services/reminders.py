"""Reminding whoever holds (or may take) a dispatch task past its deadline, once per task."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core.audit import log_action
from core.roles import users_with_permission
from workflows.dispatch.selectors import open_dispatch_tasks, task_deadline


def remind_overdue(*, now: datetime.datetime | None = None) -> int:
    """E-mail the assignee (or everyone who may take it) of each overdue task, once per task."""
    now = now or timezone.now()
    sent = 0
    for overdue in open_dispatch_tasks():
        deadline = task_deadline(overdue)
        if deadline is None or deadline > now or overdue.data.get("reminded_at"):
            continue
        users: Iterable = [overdue.owner] if overdue.owner_id else users_with_permission(overdue.owner_permission)
        emails = sorted({u.email for u in users if u and u.email})
        process = overdue.process.coerced
        if emails:
            send_mail(
                _("[vanthu] Quá hạn xử lý: %(subject)s") % {"subject": process.subject[:120]},
                _('Việc "%(task)s" cho văn bản "%(subject)s" đã quá hạn từ %(deadline)s.\n%(url)s\n')
                % {
                    "task": overdue.flow_task.task_title,
                    "subject": process.subject,
                    "deadline": timezone.localtime(deadline).strftime("%H:%M %d/%m/%Y"),
                    "url": settings.SITE_URL.rstrip("/") + reverse("dispatch:tasks"),
                },
                None,
                emails,
            )
        overdue.data["reminded_at"] = now.isoformat()
        overdue.save(update_fields=["data"])
        log_action(
            "workflows.dispatch.reminded",
            {"task": overdue.flow_task.name, "emails": emails, "deadline": deadline},
            None,
            obj=process,
        )
        sent += 1
    return sent


@task()
def remind_overdue_task() -> int:
    """Flag and remind every dispatch task past its deadline (once per task). Returns how many were reminded."""
    return remind_overdue()
