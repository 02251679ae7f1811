"""Reads shared by the dashboard panel and the staff pages."""

from __future__ import annotations

from django.db.models import QuerySet
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
