"""The department's name as a reader expects it: capitals in the header, ND30 title case in running text, and the
ministry of 2026 (Bộ Khoa học và Công nghệ) as the report's addressee."""

from __future__ import annotations

import subprocess

from core.models import OrganisationSettings
from workflows.pledges import reports
from workflows.pledges.models import OutgoingEmail
from workflows.pledges.services.invitations import send_invitation


def flat_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_the_pledge_names_the_department_in_title_case(pledges):
    text = flat_text(pledges[0].issued_pdf.read())
    assert "Kính gửi: Sở Thông tin và Truyền thông." in text
    assert "- Sở Thông tin và Truyền thông (để theo dõi);" in text
    assert "Sở thông tin và truyền thông" not in text


def test_the_report_goes_to_the_ministry_of_science_and_names_the_renamed_department(pledges):
    org = OrganisationSettings.load()
    org.agency_name = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    org.save()
    text = flat_text(reports.campaign_report(campaign=pledges[0].campaign).pdf)
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text  # the header
    assert "Sở Khoa học và Công nghệ đã tổ chức" in text
    assert "Kính gửi: Bộ Khoa học và Công nghệ." in text
    assert "Bộ Thông tin và Truyền thông (để b/c)" not in text and "Sở khoa học" not in text


def test_the_invitation_mail_names_the_department_in_title_case(pledges):
    send_invitation(pledge=pledges[0], user=None)
    body = OutgoingEmail.objects.filter(pledge=pledges[0], kind=OutgoingEmail.Kind.INVITATION).latest("pk").body
    assert "Sở Thông tin và Truyền thông mời đơn vị ký bản cam kết" in body
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" not in body


def test_the_code_sent_by_mail_has_one_name_on_every_carrier_page():
    """ "mã xác thực" everywhere a carrier reads it (the OTP e-mail subject, the labels): never "mã xác nhận"."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[3] / "workflows" / "pledges" / "templates"
    used = [p.name for p in templates.rglob("*.html") if "mã xác nhận" in p.read_text(encoding="utf-8").lower()]
    assert used == []
