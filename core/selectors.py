"""Reads shared by the dashboard panel and the staff pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.models import DBTaskResult
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task


def open_tasks_for(user) -> QuerySet[Task]:
    """Human tasks assigned to the user, then those the user may take from the queue."""
    assigned = Task.objects.filter(owner=user, status=STATUS.ASSIGNED, flow_task_type="HUMAN")
    queued = Task.objects.filter(status=STATUS.NEW).user_queue(user)
    return (assigned | queued).select_related("process").order_by("created")


def task_url(task: Task) -> str:
    try:
        return task.reverse("index")
    except Exception:  # a flow not mounted in the frontend (e.g. carriers' own pages)
        return ""


# Background tasks by the function's name (core names no app's module: these are labels, not imports).
TASK_LABELS = {
    "countersign_task": gettext_lazy("Sở xác nhận bản cam kết"),
    "deliver_email_task": gettext_lazy("Gửi thư điện tử"),
    "issue_campaign_pledges_task": gettext_lazy("Phát hành bản cam kết của chiến dịch"),
    "send_due_reminders_task": gettext_lazy("Nhắc doanh nghiệp ký cam kết"),
    "remind_overdue_task": gettext_lazy("Nhắc việc quá hạn"),
    "remind_overdue_incoming_task": gettext_lazy("Đôn đốc văn bản đến quá hạn"),
    "verify_audit_chain": gettext_lazy("Kiểm tra nhật ký"),
}


@dataclass(frozen=True)
class FailedTask:
    label: str
    arguments: str
    attempts: int
    finished_at: datetime.datetime | None
    reason: str


def failed_background_tasks(*, days: int = 30, limit: int = 20) -> list[FailedTask]:
    """The background tasks that failed for good lately, newest first, described for staff."""
    since = timezone.now() - datetime.timedelta(days=days)
    rows = DBTaskResult.objects.filter(status="FAILED", finished_at__gte=since).order_by("-finished_at")[:limit]
    failed = []
    for row in rows:
        name = row.task_path.rsplit(".", 1)[-1]
        if row.exception_class_path.endswith(".WorkerLost"):
            reason = _("Tiến trình xử lý nền dừng đột ngột ở cả %(n)d lần chạy.") % {"n": len(row.worker_ids)}
        else:
            reason = _("Lỗi khi chạy: %(error)s") % {"error": row.exception_class_path.rsplit(".", 1)[-1]}
        args = row.args_kwargs.get("args", []) + [f"{k}={v}" for k, v in row.args_kwargs.get("kwargs", {}).items()]
        failed.append(
            FailedTask(
                label=str(TASK_LABELS.get(name, name)),
                arguments=", ".join(str(a) for a in args),
                attempts=len(row.worker_ids),
                finished_at=row.finished_at,
                reason=reason,
            )
        )
    return failed
