"""The handling of an incoming document, read top to bottom (ND 30 Art. 24):

registered by the clerk (start) → directed by the leadership: unit in charge, cooperating units, deadline (direct)
→ assigned by the head of the unit in charge to a handler (assign) → handled and closed by the handler (handle).

Proposals, cooperating units' opinions and replies (a văn bản đi that answers the document) happen on the
document's page while the handler's task is open; only closing completes it.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from workflows.nodes import RoleView
from workflows.taskguard import TaskUrlGuard

from . import views
from .models import IncomingProcess
from .selectors import REGISTER_PERMISSION, unit_of
from .services import handling
from .signals import document_registered


class DirectionView(RoleView):
    """The leadership directs; where the agency's rules allow (VANTHU_INCOMING_CLERK_DIRECTS), the clerk who
    registers documents may route one directly."""

    def _clerk_routes(self, user) -> bool:
        return settings.VANTHU_INCOMING_CLERK_DIRECTS and user.has_perm(REGISTER_PERMISSION)

    def can_assign(self, user, task) -> bool:
        return super().can_assign(user, task) or (
            task.owner_id is None and user.is_authenticated and self._clerk_routes(user)
        )

    def can_execute(self, user, task) -> bool:
        if task.owner_id != getattr(user, "pk", None):
            return False
        return super().can_execute(user, task) or self._clerk_routes(user)


class UnitHeadView(RoleView):
    """Only a head of the unit in charge assigns the handler."""

    def _in_lead_unit(self, user, task) -> bool:
        unit = unit_of(user)
        return bool(unit) and unit == task.process.coerced.lead_unit

    def can_assign(self, user, task) -> bool:
        return self._in_lead_unit(user, task) and super().can_assign(user, task)

    def can_execute(self, user, task) -> bool:
        return self._in_lead_unit(user, task) and super().can_execute(user, task)


class IncomingFlow(TaskUrlGuard, flow.Flow):
    process_class = IncomingProcess
    process_title = _("Văn bản đến")
    process_description = _("Trình, chỉ đạo, phân công và giải quyết văn bản đến.")
    process_summary_template = "{{ process.document }} — {{ process.document.subject|truncatechars:80 }}"

    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.present).Annotation(title=_("Vào sổ và trình lãnh đạo")).Next(this.direct)

    direct = (
        DirectionView(views.DirectView.as_view())
        .Annotation(title=_("Lãnh đạo cho ý kiến chỉ đạo"))
        .Permission(auto_create=True)
        .Next(this.assign)
    )

    assign = (
        UnitHeadView(views.AssignView.as_view())
        .Annotation(title=_("Trưởng đơn vị phân công giải quyết"))
        .Permission(auto_create=True)
        .Next(this.handle)
    )

    handle = (
        RoleView(views.HandleView.as_view())
        .Annotation(title=_("Giải quyết văn bản đến"))
        .Permission(auto_create=True)
        .Assign(lambda activation: activation.process.handler)
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("Đã giải quyết"))

    @staticmethod
    def document_url(process) -> str:
        return reverse("incoming:detail", args=[process.coerced.document_id])

    def present(self, activation, *, document):
        return handling.present(process=activation.process, document=document)


@receiver(document_registered, dispatch_uid="incoming-start-handling")
def start_handling(sender, *, document, **kwargs) -> None:
    """Every registered document is presented to the leadership: its process starts in the same transaction."""
    IncomingFlow.start.run(document=document)
