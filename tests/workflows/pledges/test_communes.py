"""Campaigns by commune: targeting reaches exactly the carriers of the chosen communes; the dashboard, the XLSX
export and the ministry report count by commune what the database holds; 65 communes stay readable on a phone."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import Role
from places.selectors import current_communes
from tests.factories import CampaignFactory, CarrierFactory, PledgeFactory, commune
from workflows.pledges import reports, selectors
from workflows.pledges.forms import CampaignForm
from workflows.pledges.models import Campaign, Pledge

STATUSES = (Pledge.Status.SIGNED, Pledge.Status.PENDING, Pledge.Status.SIGNED, Pledge.Status.DECLINED)


def test_a_campaign_aimed_at_two_communes_reaches_exactly_their_carriers(db):
    binh_gia, ky_lua, cao_loc = commune("Xã Bình Gia"), commune("Phường Kỳ Lừa"), commune("Xã Cao Lộc")
    wanted = {
        CarrierFactory(commune=binh_gia).pk,
        CarrierFactory(commune=binh_gia).pk,
        CarrierFactory(commune=ky_lua).pk,
    }
    CarrierFactory(commune=cao_loc)
    CarrierFactory(commune=None)
    CarrierFactory(commune=ky_lua, is_active=False)  # no longer operating
    CarrierFactory(commune=binh_gia, email="")  # cannot be invited
    campaign = CampaignFactory(status=Campaign.Status.DRAFT, target=Campaign.Target.COMMUNE)
    campaign.target_communes.set([binh_gia, ky_lua])
    assert set(selectors.campaign_targets(campaign).values_list("pk", flat=True)) == wanted


def test_the_campaign_form_offers_the_65_communes_and_needs_one_when_targeting_by_commune(db):
    form = CampaignForm()
    assert form.fields["target_communes"].queryset.count() == 65
    form = CampaignForm(data={"title": "T", "slug": "t", "target": "commune", "closes_at": "2026-12-31T10:00"})
    assert not form.is_valid()
    assert form.errors["target_communes"] == ["Chọn ít nhất một xã, phường."]


def _campaign_in_every_commune() -> Campaign:
    """One carrier in each of the 65 communes (two in the first ten), pledges in mixed states."""
    campaign = CampaignFactory()
    index = 0
    for position, unit in enumerate(current_communes()):
        for _copy in range(2 if position < 10 else 1):
            carrier = CarrierFactory(commune=unit)
            PledgeFactory(campaign=campaign, carrier=carrier, status=STATUSES[index % len(STATUSES)])
            index += 1
    PledgeFactory(campaign=campaign, carrier=CarrierFactory(commune=None), status=Pledge.Status.PENDING)
    PledgeFactory(campaign=campaign, carrier=CarrierFactory(commune=unit), status=Pledge.Status.REVOKED)
    return campaign


def _expected(campaign: Campaign) -> dict[str, Counter]:
    """Counted from the rows themselves, without the selectors."""
    expected: dict[str, Counter] = {}
    for pledge in Pledge.objects.filter(campaign=campaign).select_related("carrier__commune"):
        if pledge.status == Pledge.Status.REVOKED:
            continue
        name = pledge.carrier.commune.name if pledge.carrier.commune else "Chưa xác định xã, phường"
        expected.setdefault(name, Counter())[pledge.status] += 1
    return expected


def test_the_report_and_the_export_count_by_commune_what_the_database_holds(db):
    campaign = _campaign_in_every_commune()
    expected = _expected(campaign)
    assert len(expected) == 66  # 65 communes and the carrier not yet placed

    sheet = load_workbook(io.BytesIO(reports.campaign_xlsx(campaign)))["Tổng hợp"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    start = rows.index(["Theo xã, phường", None, None, None, None, None, None]) + 2
    table = {r[0]: r for r in rows[start : start + len(expected)]}
    assert set(table) == set(expected)
    for name, counts in expected.items():
        signed, pending, declined = counts["signed"], counts["pending"], counts["declined"]
        assert table[name][1:6] == [signed, pending, declined, 0, signed + pending + declined], name
    assert table["Xã Bình Gia"][6] == "06112"

    body = reports.report_data(campaign)["body"]
    assert "2. Kết quả theo xã, phường (65 xã, phường có đơn vị được mời):" in body
    lines = [line for line in body.splitlines() if line.startswith("- ") and ": " in line and "đã ký" in line]
    by_name = {line[2:].split(": ")[0]: line for line in lines}
    for name, counts in expected.items():
        total = sum(counts.values())
        line = f"- {name}: {counts['signed']}/{total} đơn vị đã ký"
        line += f", {counts['declined']} từ chối;" if counts["declined"] else ";"
        assert by_name[name] == line


def test_the_dashboard_lists_communes_with_totals_extremes_and_search(client, make_user):
    campaign = _campaign_in_every_commune()
    expected = _expected(campaign)
    client.force_login(make_user(Role.STAFF))
    url = reverse("pledges:dashboard", args=[campaign.slug])
    response = client.get(url)
    summary = response.context["communes"]
    assert len(summary.rows) == 66 and summary.communes == 65
    assert summary.total.total == sum(sum(c.values()) for c in expected.values())
    assert summary.total.signed == sum(c["signed"] for c in expected.values())
    assert [r.share for r in summary.top] == sorted((r.share for r in summary.top), reverse=True)
    assert len(summary.top) == 5 and len(summary.bottom) == 5
    assert min(r.share for r in summary.rows if r.code) <= summary.bottom[0].share
    page = response.content.decode()
    assert page.count("<tr><td>Xã ") + page.count("<tr><td>Phường ") == 65

    found = client.get(url, {"xa": "binh gia"}).context["communes"]
    assert [r.label for r in found.rows] == ["Xã Bình Gia"]
    assert found.rows_total.total == sum(expected["Xã Bình Gia"].values())
    assert [r.label for r in client.get(url, {"xa": "06187"}).context["communes"].rows] == ["Phường Kỳ Lừa"]
    behind = client.get(url, {"sap_xep": "unsigned"}).context["communes"].rows
    assert [r.unsigned for r in behind] == sorted((r.unsigned for r in behind), reverse=True)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_65_communes_fit_a_phone_without_sideways_scroll(live_server, browser, client, make_user, tmp_path):
    campaign = _campaign_in_every_commune()
    client.force_login(make_user(Role.STAFF))
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="vi-VN")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    response = page.goto(f"{live_server.url}{reverse('pledges:dashboard', args=[campaign.slug])}")
    assert response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.get_by_test_id("communes-table")
    assert table.locator("tbody tr").count() == 66
    assert page.get_by_test_id("communes-top").locator("li").count() == 5
    page.get_by_label("Tìm xã, phường (tên hoặc mã)").fill("ky lua")
    page.get_by_role("button", name="Xem", exact=True).click()
    page.wait_for_url("**xa=ky+lua**")
    rows = page.get_by_test_id("communes-table").locator("tbody tr")
    assert rows.count() == 1 and rows.first.inner_text().startswith("Phường Kỳ Lừa (06187)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "dashboard-communes-phone.png"), full_page=True)
    context.close()
