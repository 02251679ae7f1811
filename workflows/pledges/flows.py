"""One viewflow process per carrier per campaign.

The carrier's answer (`respond`) and the department's countersignature (`countersign`) are `flow.Handle` nodes
finished from code: carriers never touch viewflow's frontend, their own pages call the services, which drive
these activations; the countersignature runs in a background task.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from workflows.pledges.models import Pledge, PledgeProcess
from workflows.taskguard import TaskUrlGuard


class PledgeFlow(TaskUrlGuard, flow.Flow):
    """Ký cam kết"""

    process_class = PledgeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Ký cam kết của doanh nghiệp bưu chính")
    process_summary_template = "{{ process.pledge.carrier.name }} — {{ process.pledge.get_status_display }}"

    start = flow.StartHandle(this.start_process).Annotation(title=_("Phát hành bản cam kết")).Next(this.respond)
    respond = (
        flow.Handle(this.record_response).Annotation(title=_("Doanh nghiệp ký hoặc từ chối")).Next(this.check_signed)
    )
    check_signed = (
        flow.If(lambda activation: activation.process.pledge.status == Pledge.Status.SIGNED)
        .Annotation(title=_("Đã ký?"))
        .Then(this.countersign)
        .Else(this.declined)
    )
    countersign = (
        flow.Handle(this.record_countersignature)
        .Annotation(title=_("Sở ký xác nhận và cấp giấy chứng nhận"))
        .Next(this.signed)
    )
    signed = flow.End().Annotation(title=_("Hoàn thành"))
    declined = flow.End().Annotation(title=_("Doanh nghiệp từ chối"))

    def start_process(self, activation, *, pledge: Pledge):
        activation.process.save()
        Pledge.objects.filter(pk=pledge.pk).update(process=activation.process)
        pledge.process = activation.process
        return activation.process

    def record_response(self, activation) -> None:
        """The pledge row already holds the answer (set by the service in the same transaction)."""

    def record_countersignature(self, activation) -> None:
        """The countersigned PDF and certificate are stored by the service before this runs."""
