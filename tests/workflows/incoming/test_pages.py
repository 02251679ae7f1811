"""The staff pages of incoming documents, driven with the Django client: who may see and register, the list's
search and flags, one registration per submitted form, the "ĐẾN" stamp, the register and its exports."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.roles import Role
from tests.factories import IncomingDocumentFactory
from tests.signing_support import sample_pdf
from workflows.incoming.exports import COLUMNS
from workflows.incoming.models import IncomingDocument

pytestmark = pytest.mark.django_db

LIST, REGISTER, BOOK = reverse("incoming:list"), reverse("incoming:register"), reverse("incoming:register_book")


@pytest.fixture
def clerk(make_user):
    return make_user(Role.CLERK, username="vanthu")


def _as(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [Role.STAFF, Role.CARRIER, Role.ADMINISTRATOR])
def test_roles_without_incoming_documents_are_refused(client, make_user, role):
    document = IncomingDocumentFactory()
    _as(client, make_user(role))
    for url in (REGISTER, BOOK, reverse("incoming:detail", args=[document.pk])):
        assert client.get(url).status_code == 403, url
    listed = client.get(LIST)
    if role == Role.STAFF:  # a handler's list: only what was given to them or their unit (test_flow)
        assert listed.status_code == 200 and listed.context["rows"] == []
    else:
        assert listed.status_code == 403


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.HEAD_OF_UNIT])
def test_leaders_read_but_do_not_register(client, make_user, role):
    _as(client, make_user(role))
    assert client.get(LIST).status_code == 200
    assert client.get(BOOK).status_code == 200
    assert client.get(REGISTER).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_list_searches_without_diacritics_puts_urgent_first_and_flags_overdue(client, clerk):
    IncomingDocumentFactory(subject="Về việc chuyển đổi số", number=1)
    urgent = IncomingDocumentFactory(subject="Về việc phòng chống bão", urgency="hoa-toc", urgency_rank=3, number=2)
    late = IncomingDocumentFactory(
        subject="Về việc báo cáo quý", number=3, deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    _as(client, clerk)
    page = client.get(LIST).content.decode()
    assert page.index("phòng chống bão") < page.index("chuyển đổi số")
    assert page.count("Quá hạn") == 1
    found = client.get(LIST, {"q": "bao cao"}).context["rows"]
    assert [d for d, _overdue in found] == [late]
    assert client.get(LIST, {"status": "done"}).context["rows"] == []
    assert urgent in [d for d, _ in client.get(LIST, {"year": timezone.localdate().year}).context["rows"]]


def _form(client, **overrides):
    token = client.get(REGISTER).context["form"].initial["token"]
    data = {
        "token": token,
        "channel": "pdf",
        "issuer_name": "Bộ Thông tin và Truyền thông",
        "code": "28/CT-BTTTT",
        "issued_date": "2025-11-20",
        "doc_type": "Chỉ thị",
        "subject": "Về việc tăng cường bảo đảm an toàn thông tin",
        "signer_name": "Nguyễn Mạnh Hùng",
        "urgency": "",
        "file": io.BytesIO(sample_pdf(1, title="Chi thi 28")),
    }
    data["file"].name = "chi-thi-28.pdf"
    data.update(overrides)
    return data


def test_the_clerk_registers_once_even_when_the_form_is_submitted_twice(client, clerk):
    _as(client, clerk)
    data = _form(client)
    first = client.post(REGISTER, data)
    document = IncomingDocument.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("incoming:detail", args=[document.pk])
    data["file"].seek(0)
    again = client.post(REGISTER, data)
    assert again["Location"] == first["Location"]
    assert IncomingDocument.objects.count() == 1
    assert document.number == 1 and document.registered_by == clerk


def test_a_duplicate_is_shown_and_registered_only_when_confirmed(client, clerk):
    IncomingDocumentFactory(issuer_name="Bộ Thông tin và Truyền thông", code="28/CT-BTTTT")
    _as(client, clerk)
    response = client.post(REGISTER, _form(client))
    assert response.status_code == 200
    assert "có thể đã được vào sổ" in response.content.decode()
    assert "Tôi đã kiểm tra: vẫn vào sổ" in response.content.decode()
    assert IncomingDocument.objects.count() == 1
    assert client.post(REGISTER, _form(client, confirm_duplicate="on")).status_code == 302
    assert IncomingDocument.objects.count() == 2


def test_bad_input_is_a_vietnamese_message_not_a_500(client, clerk):
    _as(client, clerk)
    response = client.post(REGISTER, _form(client, file=io.BytesIO(b"not a pdf")))
    assert response.status_code == 200
    assert "Tệp văn bản phải là tệp PDF." in response.content.decode()
    assert not IncomingDocument.objects.exists()


def test_the_detail_shows_the_den_stamp_and_the_file_is_served_unaltered(client, clerk):
    _as(client, clerk)
    data = _form(client)
    pdf = data["file"].getvalue()
    client.post(REGISTER, data)
    document = IncomingDocument.objects.get()
    page = client.get(reverse("incoming:detail", args=[document.pk])).content.decode()
    assert 'class="stamp"' in page and "ĐẾN" in page
    assert "Số: 01" in page and f"Ngày: {timezone.localdate():%d/%m/%Y}" in page
    assert "Số và ký hiệu HS" in page
    served = client.get(reverse("incoming:download", args=[document.pk]))
    assert b"".join(served.streaming_content) == pdf


def _registered_lines():
    first = IncomingDocumentFactory(
        number=1,
        received_at=timezone.make_aware(dt.datetime(2025, 3, 2, 9, 0)),
        year=2025,
        issuer_name="Bộ Thông tin và Truyền thông",
        code="28/CT-BTTTT",
        issued_date=dt.date(2025, 2, 28),
        doc_type="Chỉ thị",
        subject="Về việc tăng cường an toàn thông tin",
        routed_to="Phòng Bưu chính, Viễn thông",
        routed_on=dt.date(2025, 3, 3),
    )
    second = IncomingDocumentFactory(
        number=2, year=2025, received_at=timezone.make_aware(dt.datetime(2025, 6, 10, 9, 0)), subject="Sau"
    )
    return first, second


def test_the_register_has_the_ten_columns_by_year_and_by_period(client, clerk):
    _registered_lines()
    IncomingDocumentFactory(number=1)  # this year's
    _as(client, clerk)
    rows = client.get(BOOK, {"year": 2025}).context["rows"]
    assert rows[0] == [
        "02/03/2025",
        "01",
        "Bộ Thông tin và Truyền thông",
        "28/CT-BTTTT",
        "28/02/2025",
        "Chỉ thị Về việc tăng cường an toàn thông tin",
        "Phòng Bưu chính, Viễn thông",
        "03/03/2025",
        "",
        "",
    ]
    assert len(rows) == 2
    assert len(client.get(BOOK, {"date_from": "2025-01-01", "date_to": "2025-03-31"}).context["rows"]) == 1


def test_the_register_exports_xlsx_with_its_columns(client, clerk):
    _registered_lines()
    _as(client, clerk)
    response = client.get(BOOK, {"year": 2025, "export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="so-van-ban-den-2025.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM 2025"
    assert list(rows[1]) == [heading for heading, _mm, _chars in COLUMNS]
    assert rows[1][:2] == ("Ngày đến", "Số đến") and rows[1][9] == "Ghi chú"
    assert rows[3][:4] == ("02/03/2025", "01", "Bộ Thông tin và Truyền thông", "28/CT-BTTTT")
    assert rows[4][1] == "02" and len(rows) == 5


def test_the_register_exports_a_pdf(client, clerk):
    _registered_lines()
    _as(client, clerk)
    response = client.get(BOOK, {"year": 2025, "export": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM 2025" in text
    header = " ".join(text.split()[: text.split().index("nhận") + 4])
    for heading in ("Ngày đến", "Tác giả", "Số, ký hiệu", "Tên loại và trích yếu nội dung", "Ký", "Ghi chú"):
        assert heading in header, header
    assert any(line.startswith("02/03/2025 01 Bộ Thông tin và 28/CT-BTTTT 28/02/2025") for line in lines), lines
    assert any(line.startswith("10/06/2025 02") for line in lines), lines


def test_the_tracking_register_exports_a_pdf_with_its_seven_columns(client, clerk):
    _registered_lines()
    _as(client, clerk)
    response = client.get(reverse("incoming:tracking_book"), {"year": 2025, "export": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    words = " ".join(text.split())
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN NĂM 2025" in words
    for heading in ("Tên loại, số, ký hiệu", "Thời hạn", "Tiến độ", "trả lời", "Ghi chú"):  # headings wrap in cells
        assert heading in words, heading
    assert "28/CT-BTTTT" in words and "Phòng Bưu chính" in words and "Đã vào sổ" in words, words
