"""Background jobs (django-tasks): rendering a campaign, countersigning, e-mail delivery, reminders."""

from __future__ import annotations

from django_tasks import task

from workflows.pledges import services
from workflows.pledges.models import OutgoingEmail


@task()
def issue_campaign_pledges(campaign_id: int) -> None:
    services.issue_campaign_pledges(campaign_id=campaign_id)


@task()
def countersign_pledge(pledge_id: int) -> None:
    services.countersign(pledge_id=pledge_id)


@task()
def deliver_email(email_id: int) -> None:
    email = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.QUEUED).first()
    if email is not None:
        services.deliver_email(email=email)


@task()
def send_due_reminders() -> int:
    return services.send_due_reminders()
