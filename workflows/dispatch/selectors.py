"""Reads of the dispatch process: task lists, who may see which document, inboxes, deadlines."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from core.models import StaffProfile
from core.types import User
from workflows.work import WorkItem

from .models import DispatchProcess, DispatchRecipient

VIEW_PERMISSION = "dispatch.view_dispatchprocess"
_OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def open_dispatch_tasks() -> QuerySet[Task]:
    """Every human task of a dispatch still waiting for someone."""
    return Task.objects.filter(
        process__dispatchprocess__isnull=False, status__in=_OPEN, flow_task_type="HUMAN"
    ).select_related("process", "owner")


def task_deadline(task: Task) -> datetime.datetime | None:
    hours = settings.VANTHU_DISPATCH_DEADLINE_HOURS
    process = task.process.coerced
    limit = hours.get(process.urgency, hours.get("", 72))
    return task.created + datetime.timedelta(hours=limit) if limit else None


def is_overdue(task: Task, *, now: datetime.datetime | None = None) -> bool:
    deadline = task_deadline(task)
    return deadline is not None and deadline < (now or timezone.now())


@dataclass(frozen=True)
class TaskRow:
    task: Task
    process: DispatchProcess
    deadline: datetime.datetime | None
    overdue: bool
    assigned_to_me: bool


def tasks_for(user: User | AnonymousUser) -> list[TaskRow]:
    """What waits for this user: tasks assigned to them and tasks they may take. Urgent first, then oldest."""
    if not user.is_authenticated:
        return []
    tasks = open_dispatch_tasks()
    mine = tasks.filter(owner=user)
    queued = tasks.filter(status=STATUS.NEW, owner__isnull=True)
    rows = []
    now = timezone.now()
    for task in (mine | queued).distinct():
        flow_task = task.flow_task
        if task.owner_id is None and not flow_task.can_assign(user, task):
            continue
        process = task.process.coerced
        deadline = task_deadline(task)
        rows.append(
            TaskRow(
                task=task,
                process=process,
                deadline=deadline,
                overdue=deadline is not None and deadline < now,
                assigned_to_me=task.owner_id == user.pk,
            )
        )
    rows.sort(key=lambda r: (-r.process.urgency_rank, r.task.created))
    return rows


def is_staff_reader(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm(VIEW_PERMISSION)


def visible_dispatches(user: User | AnonymousUser) -> QuerySet[DispatchProcess]:
    """Staff with the view permission see every dispatch; everyone else only what was sent to them."""
    qs = DispatchProcess.objects.select_related("author", "signer")
    if is_staff_reader(user):
        return qs.order_by("-urgency_rank", "-created")
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(pk__in=inbox_for(user).values("process_id")).order_by("-created")


def can_view(user: User | AnonymousUser, process: DispatchProcess) -> bool:
    return visible_dispatches(user).filter(pk=process.pk).exists()


def inbox_for(user: User | AnonymousUser) -> QuerySet[DispatchRecipient]:
    """Copies delivered to this user: as an account of a carrier, or as a member of an internal unit."""
    if not user.is_authenticated:
        return DispatchRecipient.objects.none()
    condition = Q(kind=DispatchRecipient.Kind.CARRIER, carrier__users=user)
    unit = StaffProfile.objects.filter(user=user).values_list("unit_abbreviation", flat=True).first()
    if unit:
        condition |= Q(kind=DispatchRecipient.Kind.UNIT, unit_abbreviation=unit)
    return (
        DispatchRecipient.objects.filter(condition, delivered_at__isnull=False)
        .select_related("process", "carrier")
        .order_by("-process__urgency_rank", "-delivered_at")
        .distinct()
    )


def open_task_for(process: DispatchProcess) -> Task | None:
    return (
        Task.objects.filter(process=process, status__in=_OPEN, flow_task_type="HUMAN").select_related("owner").first()
    )


# --- the staff workspace's rows (workflows.workspace.selectors.SOURCES) -------------------------------------------


def work_items(user: User | AnonymousUser) -> list[WorkItem]:
    """`tasks_for` as the workspace's rows: each opens through `dispatch:take` (takes a queued task, then its form)."""
    return [
        WorkItem(
            kind=_("Văn bản đi"),
            reference=row.process.number or _("Dự thảo"),
            title=row.process.subject,
            step=str(row.task.flow_task.task_title),
            deadline=row.deadline,
            overdue=row.overdue,
            urgency=row.process.get_urgency_display() if row.process.urgency else "",
            urgency_rank=row.process.urgency_rank,
            created=row.task.created,
            assigned_to_me=row.assigned_to_me,
            open_url=reverse("dispatch:take", args=[row.task.pk]),
            detail_url=reverse("dispatch:detail", args=[row.process.pk]),
        )
        for row in tasks_for(user)
    ]


# --- batches (services.batch): the tasks of one step a user can perform now ----------------------------------------

BATCH_STEPS = ("number", "sign", "seal")


def batch_rows(user: User | AnonymousUser, node: str) -> list[TaskRow]:
    """`tasks_for` restricted to step `node`, and to what the user may perform now (assigned to them and theirs to
    execute, or queued and theirs to take): the list a batch page offers, in the order it shows them."""
    rows = []
    for row in tasks_for(user):
        flow_task = row.task.flow_task
        if flow_task.name != node:
            continue
        if row.assigned_to_me and not flow_task.can_execute(user, row.task):
            continue
        rows.append(row)
    return rows


def batch_counts(user: User | AnonymousUser) -> dict[str, int]:
    """How many documents wait for each batch step of this user (0 for none): the workspace's links."""
    counts = dict.fromkeys(BATCH_STEPS, 0)
    for row in tasks_for(user):
        flow_task = row.task.flow_task
        if flow_task.name in counts and (not row.assigned_to_me or flow_task.can_execute(user, row.task)):
            counts[flow_task.name] += 1
    return counts


_BATCH_URLS = {"sign": "dispatch:batch_sign", "number": "dispatch:batch_number", "seal": "dispatch:batch_seal"}


START_PERMISSION = "dispatch.can_start_dispatchprocess"  # viewflow's auto-created permission of DispatchFlow.start


def start_links(user: User | AnonymousUser) -> list[dict]:
    """The "Soạn văn bản mới" link for those who may start a dispatch (Việc của tôi opens a draft in one click)."""
    if not user.is_authenticated or not user.has_perm(START_PERMISSION):
        return []
    return [{"url": reverse("workflow:flows:dispatch:start:execute"), "label": _("Soạn văn bản mới")}]


def batch_links(user: User | AnonymousUser) -> list[dict]:
    """The batch pages worth showing this user: those with at least one document waiting (the workspace's links)."""
    if not user.is_authenticated:
        return []
    counts = batch_counts(user)
    labels = {"sign": _("Ký số hàng loạt"), "number": _("Cấp số hàng loạt"), "seal": _("Đóng dấu hàng loạt")}
    return [
        {"url": reverse(_BATCH_URLS[node]), "label": labels[node], "count": counts[node], "step": node}
        for node in BATCH_STEPS
        if counts[node]
    ]
