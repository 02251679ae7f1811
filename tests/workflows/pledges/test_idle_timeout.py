"""Hole 5 (issue 11): a carrier's access unlocked by the e-mail OTP ends after VANTHU_CARRIER_IDLE_SECONDS idle."""

from __future__ import annotations

from django.urls import reverse

from core.middleware import LAST_SEEN_KEY
from core.models import AuditEntry
from tests.factories import PledgeFactory
from workflows.pledges.selectors import SESSION_KEY
from workflows.pledges.services import invitations


def test_an_idle_carrier_session_loses_the_pledge(client, campaign, carriers, helpers, settings):
    pledge = PledgeFactory(campaign=campaign, carrier=carriers[0])
    token = invitations.new_invitation_token(pledge=pledge)
    link = reverse("pledges:invitation", args=[token])
    assert client.post(link, {"action": "send"}).status_code == 302
    client.post(link, {"action": "verify", "code": helpers.last_code(pledge.carrier.email)})
    page = reverse("pledges:pledge", args=[pledge.public_id])
    assert client.get(page).status_code == 200

    session = client.session
    session[LAST_SEEN_KEY] -= settings.VANTHU_CARRIER_IDLE_SECONDS - 10
    session.save()
    assert client.get(page).status_code == 200  # still within the limit: the clock restarts
    session = client.session
    session[LAST_SEEN_KEY] -= settings.VANTHU_CARRIER_IDLE_SECONDS + 1
    session.save()
    response = client.get(page)
    assert response.status_code == 401
    assert "Phiên làm việc đã hết hạn" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(page).status_code == 404  # the access is gone, not just this one answer
    assert AuditEntry.objects.filter(code="core.session.idle_timeout", data__carrier=True).count() == 1
