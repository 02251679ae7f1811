"""The official dispatch process, read top to bottom:

draft → review (head of unit) → approve (leadership) → number (clerk) → sign (leader) → seal (clerk) → send (clerk)
→ publish (when public). A return at review or approve sends the draft back to its author.

Node views only collect input; every state change is in `services/`, so the same rules hold in tests, the demo
loader and the web UI.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import STATUS, flow, lock
from viewflow.workflow.flow.utils import wrap_view
from viewflow.workflow.models import Task

from workflows.taskguard import TaskUrlGuard

from . import views
from .models import DispatchProcess
from .services import decisions, delivery


def _once(flow_task, view):
    """viewflow's task wrapper, plus: a second submit of a finished step (double click, two tabs) changes nothing
    and lands on the document page with a note, instead of a bare 403."""
    inner = wrap_view(flow_task, view)

    def wrapped(request, *args, **kwargs):
        try:
            return inner(request, *args, **kwargs)
        except PermissionDenied:
            task = Task.objects.filter(pk=kwargs.get("task_pk")).first()
            if request.method == "POST" and task and task.status == STATUS.DONE and task.owner_id == request.user.pk:
                messages.info(request, _("Bước này đã được thực hiện rồi; lần gửi sau không có tác dụng."))
                return redirect("dispatch:detail", task.process_id)
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


class FourEyesView(RoleView):
    """A user task the author of the draft may never take or perform (separation of duties)."""

    def _is_author(self, user, task) -> bool:
        return task.process.coerced.author_id == getattr(user, "pk", None)

    def can_assign(self, user, task) -> bool:
        return not self._is_author(user, task) and super().can_assign(user, task)

    def can_execute(self, user, task) -> bool:
        return not self._is_author(user, task) and super().can_execute(user, task)


class DispatchFlow(TaskUrlGuard, flow.Flow):
    process_class = DispatchProcess
    process_title = _("Văn bản đi")
    process_description = _("Soạn thảo, duyệt, cấp số, ký số, đóng dấu, phát hành và công khai văn bản đi.")
    process_summary_template = "{{ process.number|default:'Dự thảo' }} — {{ process.subject|truncatechars:80 }}"

    lock_impl = lock.select_for_update_lock

    start = (
        flow.Start(views.StartDraftView.as_view())
        .Annotation(title=_("Soạn văn bản mới"))
        .Permission(auto_create=True)
        .Next(this.draft)
    )

    draft = (
        RoleView(views.DraftView.as_view())
        .Annotation(title=_("Soạn thảo / sửa dự thảo"))
        .Permission(auto_create=True)
        .Assign(lambda activation: activation.process.author)
        .Next(this.review)
    )

    review = (
        FourEyesView(views.ReviewView.as_view())
        .Annotation(title=_("Trưởng phòng duyệt"))
        .Permission(auto_create=True)
        .Next(this.review_passed)
    )

    review_passed = (
        flow.If(lambda activation: activation.process.decision == decisions.APPROVED)
        .Annotation(title=_("Trưởng phòng đồng ý?"))
        .Then(this.approve)
        .Else(this.draft)
    )

    approve = (
        FourEyesView(views.ApproveView.as_view())
        .Annotation(title=_("Lãnh đạo duyệt"))
        .Permission(auto_create=True)
        .Assign(lambda activation: activation.process.signer)
        .Next(this.approve_passed)
    )

    approve_passed = (
        flow.If(lambda activation: activation.process.decision == decisions.APPROVED)
        .Annotation(title=_("Lãnh đạo đồng ý?"))
        .Then(this.number)
        .Else(this.draft)
    )

    number = (
        RoleView(views.NumberView.as_view())
        .Annotation(title=_("Văn thư cấp số"))
        .Permission(auto_create=True)
        .Next(this.sign)
    )

    sign = (
        FourEyesView(views.SignView.as_view())
        .Annotation(title=_("Lãnh đạo ký số"))
        .Permission(auto_create=True)
        .Assign(lambda activation: activation.process.signer)
        .Next(this.seal)
    )

    seal = (
        RoleView(views.SealView.as_view())
        .Annotation(title=_("Văn thư ký số cơ quan (đóng dấu)"))
        .Permission(auto_create=True)
        .Next(this.send)
    )

    send = (
        RoleView(views.SendView.as_view())
        .Annotation(title=_("Văn thư phát hành"))
        .Permission(auto_create=True)
        .Next(this.is_public)
    )

    is_public = (
        flow.If(lambda activation: activation.process.is_public)
        .Annotation(title=_("Văn bản công khai?"))
        .Then(this.publish)
        .Else(this.end)
    )

    publish = flow.Function(this.publish_directive).Annotation(title=_("Đăng lên thư viện văn bản")).Next(this.end)

    end = flow.End().Annotation(title=_("Hoàn thành"))

    def publish_directive(self, activation) -> None:
        delivery.publish_dispatch(process=activation.process)
