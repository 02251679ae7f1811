"""Carrier pages: the one-time link, OTP access bound to the session, and isolation between carriers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from tests.factories import PledgeFactory
from workflows.pledges.models import Campaign, CorrectionRequest, Pledge
from workflows.pledges.services import invitations


@pytest.fixture
def invited(campaign, carriers):
    """Two pledges with fresh invitation links (no PDF needed to reach these pages)."""
    result = []
    for carrier in carriers[:2]:
        pledge = PledgeFactory(campaign=campaign, carrier=carrier)
        result.append((pledge, invitations.new_invitation_token(pledge=pledge)))
    return result


def _unlock(client, token: str, pledge: Pledge, helpers):
    url = reverse("pledges:invitation", args=[token])
    assert client.post(url, {"action": "send"}).status_code == 302
    return client.post(url, {"action": "verify", "code": helpers.last_code(pledge.carrier.email)})


def test_link_plus_otp_opens_the_pledge_once(client, invited, helpers):
    pledge, token = invited[0]
    page = reverse("pledges:pledge", args=[pledge.public_id])
    assert client.get(page).status_code == 404  # nothing before the OTP
    response = _unlock(client, token, pledge, helpers)
    assert response.status_code == 302 and response["Location"] == page
    assert client.get(page).status_code == 200
    reused = client.get(reverse("pledges:invitation", args=[token]))
    assert reused.status_code == 410 and "đã được dùng" in reused.content.decode()


def test_wrong_code_is_refused_with_attempts_left(client, invited, helpers):
    pledge, token = invited[0]
    url = reverse("pledges:invitation", args=[token])
    client.post(url, {"action": "send"})
    code = helpers.last_code(pledge.carrier.email)
    response = client.post(url, {"action": "verify", "code": f"{(int(code) + 7) % 1_000_000:06d}"})
    assert "Mã không đúng. Còn 4 lần thử." in response.content.decode()
    assert client.get(reverse("pledges:pledge", args=[pledge.public_id])).status_code == 404


def test_a_carrier_never_sees_another_carriers_pledge(client, invited, helpers, make_user):
    (mine, token), (other, _other_token) = invited
    _unlock(client, token, mine, helpers)
    for name in ("pledge", "sign_simple", "sign_pkcs12", "upload", "decline", "correction"):
        assert client.get(reverse(f"pledges:{name}", args=[other.public_id])).status_code == 404
        assert client.post(reverse(f"pledges:{name}", args=[other.public_id]), {"reason": "xxxxxxx"}).status_code == 404
    assert client.get(reverse("pledges:download", args=[other.public_id, "ban-cam-ket"])).status_code == 404
    other.refresh_from_db()
    assert other.status == Pledge.Status.PENDING

    # a logged-in carrier account reaches only its own business's pledges, never viewflow's process list
    user = make_user(Role.CARRIER)
    mine.carrier.users.add(user)
    client.logout()
    client.force_login(user)
    assert client.get(reverse("pledges:pledge", args=[mine.public_id])).status_code == 200
    assert client.get(reverse("pledges:pledge", args=[other.public_id])).status_code == 404
    assert not user.has_perm("pledges.view_pledgeprocess") and not user.has_perm("pledges.view_pledge")
    listing = client.get(reverse("pledges:my_pledges")).content.decode()
    assert mine.carrier.name in listing and other.carrier.name not in listing


def test_revoked_and_expired_links(client, invited, campaign, make_user):
    (pledge, token), (_other, other_token) = invited
    invitations.revoke_invitation(pledge=pledge, user=make_user(Role.STAFF))
    response = client.get(reverse("pledges:invitation", args=[token]))
    assert response.status_code == 410 and "không đúng" in response.content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(closes_at=timezone.now())
    response = client.get(reverse("pledges:invitation", args=[other_token]))
    assert response.status_code == 410 and "hết hạn" in response.content.decode()
    assert client.get(reverse("pledges:invitation", args=["guess"])).status_code == 410


def test_correction_goes_to_staff_and_is_not_applied(client, invited, helpers, make_user):
    pledge, token = invited[0]
    _unlock(client, token, pledge, helpers)
    response = client.post(
        reverse("pledges:correction", args=[pledge.public_id]),
        {"address": "Số 9 đường Lê Lợi", "representative": pledge.carrier.representative, "note": "Đã chuyển trụ sở"},
    )
    assert response.status_code == 302
    correction = CorrectionRequest.objects.get(pledge=pledge)
    assert correction.changes == {"address": "Số 9 đường Lê Lợi"}
    pledge.carrier.refresh_from_db()
    assert pledge.carrier.address != "Số 9 đường Lê Lợi"
    staff = make_user(Role.STAFF)
    client.force_login(staff)
    client.post(reverse("pledges:correction_action", args=[correction.pk, "apply"]))
    pledge.carrier.refresh_from_db()
    assert pledge.carrier.address == "Số 9 đường Lê Lợi"


def test_the_countersignature_state_is_told_only_to_the_carrier(client, pledges):
    from workflows.pledges.selectors import SESSION_KEY

    url = reverse("pledges:pledge_state", args=[pledges[0].public_id])
    assert client.get(url).status_code == 404  # a visitor who has not unlocked the pledge learns nothing
    session = client.session
    session[SESSION_KEY] = [str(pledges[0].public_id)]
    session.save()
    data = client.get(url).json()
    assert data == {"status": "pending", "countersigned": False}
