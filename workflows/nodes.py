"""Flow nodes every staff flow uses: a user task whose performer must still hold the step's permission, and whose
second submit (double click, two tabs) changes nothing.

A flow using `RoleView` defines `document_url(process) -> str`: where a repeated submit lands.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow import STATUS, flow
from viewflow.workflow.flow.utils import wrap_view
from viewflow.workflow.models import Task


def _once(flow_task, view):
    """viewflow's task wrapper, plus: a second submit of a finished step lands on the document's page with a note,
    instead of a bare 403."""
    inner = wrap_view(flow_task, view)

    def wrapped(request, *args, **kwargs):
        try:
            return inner(request, *args, **kwargs)
        except PermissionDenied:
            task = Task.objects.filter(pk=kwargs.get("task_pk")).first()
            if request.method == "POST" and task and task.status == STATUS.DONE and task.owner_id == request.user.pk:
                messages.info(request, _("Bước này đã được thực hiện rồi; lần gửi sau không có tác dụng."))
                return redirect(flow_task.flow_class.document_url(task.process))
            raise

    update_wrapper(wrapped, view)
    return wrapped


class RoleView(flow.View):
    """A user task whose performer must still hold the step's permission when they perform it."""

    @property
    def view_path(self):
        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/execute/", _once(self, self.view), name="execute")

    def can_execute(self, user, task) -> bool:
        if not super().can_execute(user, task):
            return False
        return not task.owner_permission or user.has_perm(task.owner_permission)


def open_task(request: HttpRequest, task: Task, *, queue_url: str) -> HttpResponse:
    """Take a queued task (viewflow's assign) if need be, and go straight to its form; taking is implicit when a
    person opens a task from their work list. Someone else was faster: back to `queue_url` with a note."""
    execute = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
    if task.owner_id == request.user.pk:
        return HttpResponseRedirect(execute)
    if not task.flow_task.can_assign(request.user, task):
        if task.owner_id is not None:
            messages.info(request, _("Việc này đã có người nhận."))
            return HttpResponseRedirect(queue_url)
        raise PermissionDenied
    with transaction.atomic(), task.activation() as activation:
        try:
            activation.assign(request.user)
        except TransitionNotAllowed:
            messages.info(request, _("Việc này đã có người nhận."))
            return HttpResponseRedirect(queue_url)
    return HttpResponseRedirect(execute)
