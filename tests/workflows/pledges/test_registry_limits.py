"""Registry import and export limits (issue 11, hole 8): a size cap, reading that stops at the row limit, zip
members within limits (a small XLSX that inflates to a huge sheet is refused before it is parsed); export URLs
that accept only their formats; the client address behind a proxy taken only from trusted proxies."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from core.clients import client_address
from core.models import AuditEntry
from core.roles import Role
from workflows.pledges import registry
from workflows.pledges.errors import RegistryFileError
from workflows.pledges.models import Carrier

HEADER = "Tên,Loại,Mã số thuế,Địa chỉ,Huyện/thành phố,Thư điện tử\n"


def _inflating_xlsx(sheet_bytes: int) -> bytes:
    """A well-formed XLSX whose one sheet inflates to `sheet_bytes` of rows (it compresses ~1000:1)."""
    row = b'<row><c t="inlineStr"><is><t>Buu cuc</t></is></c></row>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml", b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
        )
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData>")
            chunk = row * 20_000
            for _ in range(sheet_bytes // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def staff(client, make_user):
    client.force_login(make_user(Role.STAFF))
    return client


def _import(client, name: str, data: bytes) -> str:
    response = client.post(reverse("pledges:import"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    return response.content.decode()


def test_an_xlsx_that_inflates_past_the_limits_is_refused_before_parsing(staff):
    bomb = _inflating_xlsx(80 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024
    assert "quá lớn hoặc nén bất thường" in _import(staff, "danh-sach.xlsx", bomb)
    assert not Carrier.objects.exists()


def test_reading_stops_at_the_row_limit(staff, monkeypatch):
    monkeypatch.setattr(registry, "MAX_ROWS", 100)
    rows = "".join(f"Bưu cục {i},Doanh nghiệp,48{i:08d},Số {i},Lạng Sơn,dn{i}@example.vn\n" for i in range(5000))
    table = registry._read_table((HEADER + rows).encode(), "danh-sach.csv")
    assert len(table) == 100 + 50  # the header and a margin for blank lines, never the whole file
    assert "Tệp có quá 100 dòng." in _import(staff, "danh-sach.csv", (HEADER + rows).encode())


def test_a_file_past_the_size_cap_is_refused_unread():
    with translation.override("vi"), pytest.raises(RegistryFileError) as refused:
        registry.parse_rows(b"x" * (registry.MAX_FILE_BYTES + 1), "danh-sach.csv")
    assert "Tệp quá lớn" in refused.value.message


@pytest.mark.parametrize(
    "path",
    [
        "/cam-ket/quan-ly/don-vi/xuat.html",
        "/cam-ket/quan-ly/don-vi/xuat.csv%0d%0aSet-Cookie:%20a=b",
        '/cam-ket/quan-ly/don-vi/xuat.csv"x',
        "/cam-ket/quan-ly/chien-dich/noi-khong-2026/xuat.exe",
        "/cam-ket/quan-ly/chien-dich/noi-khong-2026/xuat.xlsx%0aX:1",
    ],
)
def test_export_urls_accept_only_their_formats(staff, campaign, path):
    response = staff.get(path)
    assert response.status_code == 404 and "lỗi 404" in response.content.decode()
    assert "Set-Cookie" not in str(response.headers)


def test_the_accepted_export_formats_still_download(staff, campaign):
    for url in (
        reverse("pledges:export_carriers", args=["csv"]),
        reverse("pledges:export_carriers", args=["xlsx"]),
        reverse("pledges:campaign_export", args=[campaign.slug, "xlsx"]),
    ):
        response = staff.get(url)
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;"), url


def _request(peer: str, forwarded: str = ""):
    meta = {"REMOTE_ADDR": peer}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(settings):
    settings.VANTHU_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]
    assert client_address(_request("127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    # the client's own header is ignored: the nearest untrusted hop is the client
    assert client_address(_request("127.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.5")) == "203.0.113.7"
    assert client_address(_request("198.51.100.9", "203.0.113.7")) == "198.51.100.9"
    assert client_address(_request("127.0.0.1", "không-phải-địa-chỉ")) == "127.0.0.1"
    settings.VANTHU_TRUSTED_PROXIES = []
    assert client_address(_request("127.0.0.1", "203.0.113.7")) == "127.0.0.1"


def test_the_audit_log_records_the_client_behind_the_proxy(client, campaign, carriers, settings):
    from tests.factories import PledgeFactory
    from workflows.pledges.services import invitations

    settings.VANTHU_TRUSTED_PROXIES = ["127.0.0.1"]
    pledge = PledgeFactory(campaign=campaign, carrier=carriers[0])
    url = reverse("pledges:invitation", args=[invitations.new_invitation_token(pledge=pledge)])
    client.post(url, {"action": "send"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    entry = AuditEntry.objects.filter(code="workflows.pledges.otp_sent").latest("id")
    assert entry.data["client"] == "203.0.113.7"
