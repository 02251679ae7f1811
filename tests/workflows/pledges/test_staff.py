"""Staff: create and start a campaign (background rendering, invitations), dashboard, actions, exports."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.roles import Role
from tests.factories import commune
from workflows.pledges.errors import PledgeError
from workflows.pledges.models import Campaign, OutgoingEmail, Pledge
from workflows.pledges.services import answers, invitations, issuance


def test_create_and_start_a_campaign_by_commune(
    client, make_user, carriers, signing_keys, settings, django_capture_on_commit_callbacks
):
    settings.VANTHU_PLEDGES_EMAIL_RETRY_DELAY = 0
    client.force_login(make_user(Role.STAFF))
    closes = (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("pledges:campaign_create"),
        {
            "title": "Cam kết 2026 — Cao Lộc và Tràng Định",
            "slug": "cam-ket-2026",
            "template_doc_type": "cam-ket",
            "pledge_subject": "Nói không với việc chấp nhận, vận chuyển và phát hàng lậu, hàng cấm qua đường bưu chính",
            "pledge_body": issuance.default_pledge_body(),
            "closes_at": closes,
            "target": "commune",
            "target_communes": [commune("Xã Cao Lộc").pk, commune("Xã Tràng Định").pk],
            "reminder_days": "7, 3",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    campaign = Campaign.objects.get(slug="cam-ket-2026")
    assert campaign.reminder_days == [7, 3]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pledges:campaign_action", args=[campaign.slug, "start"]))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING
    assert (campaign.render_total, campaign.render_done, campaign.render_failed) == (2, 2, 0)
    pledges = list(campaign.pledges.select_related("carrier"))
    assert {p.carrier.commune.name for p in pledges} == {"Xã Cao Lộc", "Xã Tràng Định"}
    assert all(p.issued_pdf_id and p.process_id and p.token_hash for p in pledges)
    invitations = [m for m in mail.outbox if "Mời ký cam kết" in m.subject]
    assert sorted(m.to[0] for m in invitations) == sorted(p.carrier.email for p in pledges)
    assert "/cam-ket/moi/" in invitations[0].body
    data = client.get(reverse("pledges:dashboard_data", args=[campaign.slug])).json()
    assert data["pending"] == 2 and data["render_done"] == 2
    page = client.get(reverse("pledges:dashboard", args=[campaign.slug])).content.decode()
    assert "Tràng Định" in page and "Nhắc tất cả" in page
    # starting twice is refused with a message, not an error page
    response = client.post(reverse("pledges:campaign_action", args=[campaign.slug, "start"]), follow=True)
    assert "đã được bắt đầu" in response.content.decode()


def test_actions_and_exports(client, make_user, pledges, django_capture_on_commit_callbacks):
    campaign = pledges[0].campaign
    client.force_login(make_user(Role.STAFF))
    answers.decline(pledge=pledges[2], reason="Không còn cung ứng dịch vụ")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pledges:pledge_action", args=[pledges[1].pk, "revoke"]), {"confirm": "1"})
        count = invitations.remind_pending(campaign=campaign, user=None)
    assert count == 1
    pledges[1].refresh_from_db()
    assert pledges[1].status == Pledge.Status.REVOKED and pledges[1].process.status == "CANCELED"
    assert OutgoingEmail.objects.filter(kind="reminder", pledge=pledges[0], status="sent").exists()

    workbook = load_workbook(
        io.BytesIO(client.get(reverse("pledges:campaign_export", args=[campaign.slug, "xlsx"])).content)
    )
    detail = list(workbook["Chi tiết"].iter_rows(values_only=True))
    assert len(detail) == 4 and any(row[4] == "Từ chối" for row in detail)
    report = client.get(reverse("pledges:campaign_export", args=[campaign.slug, "pdf"]))
    assert report.status_code == 200, [str(m) for m in report.wsgi_request._messages]
    assert report.content.startswith(b"%PDF")
    docx = client.get(reverse("pledges:campaign_export", args=[campaign.slug, "docx"]))
    assert docx.content.startswith(b"PK")

    client.post(reverse("pledges:campaign_action", args=[campaign.slug, "close"]), {"confirm": "1"})
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
    with pytest.raises(PledgeError, match="kết thúc"):
        invitations.pledge_for_token(token=invitations.new_invitation_token(pledge=pledges[0]))


def test_reminders_are_sent_once_per_configured_day(pledges, django_capture_on_commit_callbacks):
    campaign = pledges[0].campaign
    Campaign.objects.filter(pk=campaign.pk).update(reminder_days=[7, 3], closes_at=timezone.now() + timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.send_due_reminders() == 3
        assert invitations.send_due_reminders() == 0
    campaign.refresh_from_db()
    assert campaign.reminders_sent == [7]
