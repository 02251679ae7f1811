"""Irreversible staff actions ask first (without JavaScript: a second POST carries the confirmation); closing a
campaign can be undone while its deadline has not passed, a revoked invitation cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from core.roles import Role
from workflows.pledges.models import Campaign, Pledge
from workflows.pledges.services import invitations

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(pledges):
    campaign = pledges[0].campaign
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.RUNNING, closes_at=timezone.now() + timedelta(days=10)
    )
    campaign.refresh_from_db()
    return campaign


def test_closing_asks_first_then_closes_and_can_be_reopened(client, make_user, running, pledges):
    client.force_login(make_user(Role.STAFF))
    url = reverse("pledges:campaign_action", args=[running.slug, "close"])
    asked = client.post(url)
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "Kết thúc chiến dịch «" in page and f"{len(pledges)} đơn vị chưa ký" in page and 'name="confirm"' in page
    running.refresh_from_db()
    assert running.status == Campaign.Status.RUNNING  # nothing happened yet

    client.post(url, {"confirm": "1"})
    running.refresh_from_db()
    assert running.status == Campaign.Status.CLOSED
    dashboard = client.get(reverse("pledges:dashboard", args=[running.slug])).content.decode()
    assert 'data-testid="reopen"' in dashboard

    client.post(reverse("pledges:campaign_action", args=[running.slug, "reopen"]))
    running.refresh_from_db()
    assert (running.status, running.closed_at) == (Campaign.Status.RUNNING, None)
    invitations.pledge_for_token(token=invitations.new_invitation_token(pledge=pledges[0]))  # the links work again
    codes = list(AuditEntry.objects.filter(object_id=str(running.pk)).values_list("code", flat=True))
    assert "workflows.pledges.campaign_closed" in codes and "workflows.pledges.campaign_reopened" in codes


def test_a_campaign_past_its_deadline_is_not_reopened(client, make_user, running):
    client.force_login(make_user(Role.STAFF))
    client.post(reverse("pledges:campaign_action", args=[running.slug, "close"]), {"confirm": "1"})
    Campaign.objects.filter(pk=running.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    response = client.post(reverse("pledges:campaign_action", args=[running.slug, "reopen"]), follow=True)
    assert "Chỉ mở lại được chiến dịch đã kết thúc khi chưa quá hạn ký." in response.content.decode()
    running.refresh_from_db()
    assert running.status == Campaign.Status.CLOSED
    assert 'data-testid="reopen"' not in response.content.decode()


def test_revoking_asks_first_and_says_it_cannot_be_undone(client, make_user, running, pledges):
    client.force_login(make_user(Role.STAFF))
    url = reverse("pledges:pledge_action", args=[pledges[0].pk, "revoke"])
    page = client.post(url).content.decode()
    assert f"Thu hồi lời mời của «{pledges[0].carrier.name}»?" in page and "Không hoàn tác được" in page
    pledges[0].refresh_from_db()
    assert pledges[0].status == Pledge.Status.PENDING
    client.post(url, {"confirm": "1"})
    pledges[0].refresh_from_db()
    assert pledges[0].status == Pledge.Status.REVOKED


def test_a_viewer_cannot_close_or_reopen(client, make_user, running):
    client.force_login(make_user(Role.LEADERSHIP))
    for action in ("close", "reopen"):
        response = client.post(reverse("pledges:campaign_action", args=[running.slug, action]), {"confirm": "1"})
        assert response.status_code == 403, action
    running.refresh_from_db()
    assert running.status == Campaign.Status.RUNNING
