"""A campaign's life: started (one pledge per target, issued and invited in the background), then closed."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core.audit import log_action
from core.tasks import enqueue_with_transaction
from core.types import User
from workflows.pledges.errors import PledgeError
from workflows.pledges.models import Campaign, OutgoingEmail, Pledge
from workflows.pledges.selectors import campaign_targets
from workflows.pledges.services.invitations import send_invitation
from workflows.pledges.services.issuance import issue_pledge

logger = logging.getLogger(__name__)


def start_campaign(*, campaign: Campaign, user: User) -> int:
    """Create one pledge per target and render them in the background. Returns the number of pledges."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.DRAFT:
            raise PledgeError(_("Chiến dịch đã được bắt đầu."))
        if campaign.closes_at and campaign.closes_at <= timezone.now():
            raise PledgeError(_("Hạn ký đã qua: sửa hạn ký trước khi bắt đầu."))
        targets = list(campaign_targets(campaign))
        if not targets:
            raise PledgeError(_("Chưa có doanh nghiệp nào thuộc đối tượng của chiến dịch (cần có thư điện tử)."))
        Pledge.objects.bulk_create(
            [Pledge(campaign=campaign, carrier=c) for c in targets], ignore_conflicts=True, batch_size=500
        )
        campaign.status = Campaign.Status.STARTING
        campaign.started_at = timezone.now()
        campaign.render_total = campaign.pledges.count()
        campaign.render_done = campaign.render_failed = 0
        campaign.save()
        log_action("workflows.pledges.campaign_started", {"pledges": campaign.render_total}, user, obj=campaign)
        enqueue_with_transaction(issue_campaign_pledges_task, campaign.pk)
    return campaign.render_total


def issue_campaign_pledges(*, campaign_id: int) -> None:
    """Render and invite every pledge of a starting campaign, counting progress. Run again after a crash, it picks
    up each pending pledge not yet invited (rendering is skipped for one already issued)."""
    campaign = Campaign.objects.get(pk=campaign_id)
    pending = (
        campaign.pledges.filter(status=Pledge.Status.PENDING)
        .exclude(emails__kind=OutgoingEmail.Kind.INVITATION)
        .select_related("carrier", "campaign")
    )
    for pledge in pending.iterator(chunk_size=50):
        try:
            pledge = issue_pledge(pledge=pledge)
            send_invitation(pledge=pledge, user=None)
            Campaign.objects.filter(pk=campaign_id).update(render_done=F("render_done") + 1)
        except Exception as exc:  # one broken pledge must not stop the campaign; it stays visible
            logger.exception("Rendering pledge %s failed", pledge.pk)
            Pledge.objects.filter(pk=pledge.pk).update(render_error=str(exc)[:2000])
            Campaign.objects.filter(pk=campaign_id).update(render_failed=F("render_failed") + 1)
    Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.STARTING).update(status=Campaign.Status.RUNNING)


@task()
def issue_campaign_pledges_task(campaign_id: int) -> None:
    issue_campaign_pledges(campaign_id=campaign_id)


def may_reopen(campaign: Campaign, *, now=None) -> bool:
    """A closed campaign can be opened again while its signing deadline (if any) has not passed."""
    now = now or timezone.now()
    return campaign.status == Campaign.Status.CLOSED and (campaign.closes_at is None or campaign.closes_at > now)


def reopen_campaign(*, campaign: Campaign, user: User) -> None:
    """The undo of `close_campaign`: closing only stops the links working, so reopening restores every one."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not may_reopen(campaign):
            raise PledgeError(_("Chỉ mở lại được chiến dịch đã kết thúc khi chưa quá hạn ký."))
        campaign.status = Campaign.Status.RUNNING
        campaign.closed_at = None
        campaign.save(update_fields=["status", "closed_at"])
        log_action("workflows.pledges.campaign_reopened", {}, user, obj=campaign)


def close_campaign(*, campaign: Campaign, user: User) -> None:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == Campaign.Status.CLOSED:
            return
        campaign.status = Campaign.Status.CLOSED
        campaign.closed_at = timezone.now()
        campaign.save(update_fields=["status", "closed_at"])
        log_action("workflows.pledges.campaign_closed", {}, user, obj=campaign)
