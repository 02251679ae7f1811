"""The official dispatch process, read top to bottom:

draft → review (head of unit) → approve (leadership) → number (clerk) → sign (leader) → seal (clerk) → send (clerk)
→ publish (when public). A return at review or approve sends the draft back to its author.

Node views only collect input; every state change is in `services/`, so the same rules hold in tests, the demo
loader and the web UI.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from workflows.nodes import RoleView
from workflows.taskguard import TaskUrlGuard

from . import views
from .models import DispatchProcess
from .services import decisions, delivery


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

    @staticmethod
    def document_url(process) -> str:
        return reverse("dispatch:detail", args=[process.pk])

    def publish_directive(self, activation) -> None:
        delivery.publish_dispatch(process=activation.process)
