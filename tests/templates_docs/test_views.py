"""Staff pages: the outgoing register with its exports, and the Wagtail admin for template versions."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from core.roles import Role
from templates_docs.builder import builtin_template
from templates_docs.exports import COLUMNS
from templates_docs.models import TemplateVersion
from templates_docs.services import register_outgoing

from .conftest import pdftotext, without_markers
from .test_template_versions import docx_with

pytestmark = pytest.mark.django_db
REGISTER = reverse("templates_docs:register")


@pytest.fixture
def entries():
    made = []
    for doc_type, issued, subject in [
        ("cong-van", date(2026, 1, 5), "Tăng cường phòng, chống <hàng cấm>"),
        ("cong-van", date(2026, 2, 2), "Triển khai Chỉ thị 28"),
        ("chi-thi", date(2026, 2, 10), "Bảo đảm an toàn bưu chính"),
        ("cong-van", date(2025, 12, 30), "Tổng kết năm"),
    ]:
        with transaction.atomic():
            made.append(
                register_outgoing(
                    doc_type=doc_type,
                    issued_date=issued,
                    agency_abbreviation="STTTT",
                    drafting_unit="TTr",
                    subject=subject,
                    signer_name="Nguyễn Quang Huy",
                    recipients=["Như trên", "Lưu: VT, TTr."],
                    copies=3,
                    note="gửi qua trục liên thông",
                )
            )
    return made


def test_register_needs_login_and_permission(client, make_user):
    assert client.get(REGISTER).status_code == 302
    client.force_login(make_user(Role.STAFF))
    assert client.get(REGISTER).status_code == 403
    client.force_login(make_user(Role.CARRIER))
    assert client.get(REGISTER).status_code == 403


@pytest.mark.parametrize("role", [Role.CLERK, Role.HEAD_OF_UNIT, Role.LEADERSHIP])
def test_register_lists_and_filters(client, make_user, entries, role):
    client.force_login(make_user(role))
    page = client.get(REGISTER).content.decode()
    assert all(entry.code in page for entry in entries)
    assert "&lt;hàng cấm&gt;" in page  # escaped, kept
    for heading, _mm, _chars in COLUMNS:
        assert heading in page
    page = client.get(REGISTER, {"year": 2026, "doc_type": "cong-van"}).content.decode()
    assert "01/STTTT-TTr" in page and "02/STTTT-TTr" in page
    assert "01/CT-STTTT" not in page and "Tổng kết năm" not in page
    assert client.get(REGISTER, {"year": "abc", "doc_type": "x"}).status_code == 200  # bad filter: all, no crash


def test_register_exports_every_nd30_column(client, make_user, entries):
    client.force_login(make_user(Role.CLERK))
    response = client.get(REGISTER, {"year": 2026, "export": "xlsx"})
    assert response["Content-Disposition"].endswith('so-van-ban-di-2026.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == [heading for heading, _mm, _chars in COLUMNS]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [row[0] for row in rows] == ["01/CT-STTTT", "01/STTTT-TTr", "02/STTTT-TTr"]
    assert rows[1][1] == "05/01/2026" and rows[1][2] == "Công văn: Tăng cường phòng, chống <hàng cấm>"
    assert rows[1][4] == "Như trên; Lưu: VT, TTr." and rows[1][5] == "VT, TTr" and rows[1][6] == 3

    docx = client.get(REGISTER, {"year": 2026, "export": "docx"}).content
    table = Document(io.BytesIO(docx)).tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [heading for heading, _mm, _chars in COLUMNS]
    assert len(table.rows) == 2 + 3

    response = client.get(REGISTER, {"year": 2026, "export": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdftotext(response.content).split())
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM 2026" in text and "02/STTTT-TTr" in text and "Ký nhận" in text


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR))
    return client


def test_template_admin_requires_permission(client, make_user):
    client.force_login(make_user(Role.CLERK))
    response = client.get(reverse("templates_docs_admin:index"))
    # Wagtail turns PermissionDenied into a redirect to the dashboard with an error message.
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_template_admin_upload_refuses_bad_template_with_line_and_name(admin_client):
    bad = SimpleUploadedFile("mau.docx", docx_with("{{ agency }}", "Kính gửi {{ nguoi_nhan }}"))
    response = admin_client.post(
        reverse("templates_docs_admin:upload"), {"doc_type": "cong-van", "file": bad, "note": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "nguoi_nhan" in page and "dòng) 2" in page
    assert not TemplateVersion.objects.exists()


def test_template_admin_upload_preview_activate(admin_client):
    index = reverse("templates_docs_admin:index")
    assert "Công văn" in admin_client.get(index).content.decode()
    good = SimpleUploadedFile("cong-van.docx", builtin_template("cong-van"))
    response = admin_client.post(
        reverse("templates_docs_admin:upload"), {"doc_type": "cong-van", "file": good, "note": "bản đầu"}
    )
    assert response.status_code == 302
    version = TemplateVersion.objects.get()
    preview = admin_client.get(reverse("templates_docs_admin:preview", args=[version.pk]))
    assert preview["Content-Type"] == "application/pdf" and "DỰ THẢO" in pdftotext(preview.content)
    admin_client.post(reverse("templates_docs_admin:activate", args=[version.pk]))
    version.refresh_from_db()
    assert version.is_active
    assert "cong-van:v1" in admin_client.get(index).content.decode()
    download = admin_client.get(reverse("templates_docs_admin:download", args=["cong-van", version.pk]))
    assert download.content == builtin_template("cong-van")
    assert admin_client.get(reverse("templates_docs_admin:download_builtin", args=["khong-co"])).status_code == 404


def test_admin_preview_and_register_export_print_the_configured_agency(admin_client, make_user, entries):
    """A Sở renamed in the settings (many Sở TT&TT became the Sở KH&CN in 2025) reads its name everywhere."""
    from core.models import OrganisationSettings

    org = OrganisationSettings.load()
    org.agency_name = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    org.save()
    version = TemplateVersion.objects.create(doc_type="thong-bao", version=1, docx=builtin_template("thong-bao"))
    text = " ".join(
        pdftotext(admin_client.get(reverse("templates_docs_admin:preview", args=[version.pk])).content).split()
    )
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text and "Sở Khoa học và Công nghệ thông báo kết quả" in text
    assert "THÔNG TIN VÀ TRUYỀN THÔNG" not in text

    admin_client.force_login(make_user(Role.CLERK))
    docx = admin_client.get(REGISTER, {"year": 2026, "export": "docx"}).content
    assert Document(io.BytesIO(docx)).paragraphs[0].text == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"


def test_uploading_a_template_without_signature_markers_warns(admin_client):
    upload = SimpleUploadedFile("bao-cao.docx", without_markers(builtin_template("bao-cao")))
    response = admin_client.post(
        reverse("templates_docs_admin:upload"), {"doc_type": "bao-cao", "file": upload, "note": ""}, follow=True
    )
    page = response.content.decode()
    assert "Mẫu chưa đánh dấu chỗ ký" in page and "VanthuSignerName" in page
    assert TemplateVersion.objects.filter(doc_type="bao-cao").count() == 1  # stored all the same
