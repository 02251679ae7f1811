"""Registry import: preview writes nothing, bad rows are named with reasons, apply is all-or-nothing; export round-trips."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from core.models import AuditEntry
from core.roles import Role
from workflows.pledges import registry
from workflows.pledges.errors import PledgeError, RegistryFileError
from workflows.pledges.models import Carrier
from workflows.pledges.services.carriers import apply_import

HEADER = "Tên,Loại,Mã số thuế,Số giấy phép bưu chính,Địa chỉ,Xã/phường,Người đại diện,Chức vụ,Thư điện tử,Điện thoại\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def test_preview_classifies_rows_and_writes_nothing(carriers):
    data = _csv(
        "Bưu điện tỉnh Lạng Sơn,Doanh nghiệp bưu chính,4900100001,100/GP-BTTTT,Số 1 đường Trần Đăng Ninh,"
        "Phường Lương Văn Tri,Nguyễn Văn Bình,Giám đốc,moi@example.vn,0205 3870 000",
        "Điểm BĐVHX Na Sầm,Điểm phục vụ bưu chính,,,Thôn Bản Thẳm,Na Sầm,Hà Thị Mai,Nhân viên,tt@example.vn,",
        "Điểm lỗi,Cửa hàng,12345,,,,,,khong-phai-email,",
        "Điểm BĐVHX Na Sầm,Điểm phục vụ bưu chính,,,Thôn Bản Thẳm,Na Sầm,Hà Thị Mai,Nhân viên,tt@example.vn,",
    )
    before = Carrier.objects.count()
    preview = registry.preview_import(data=data, filename="ds.csv")
    assert [r.status for r in preview.rows] == ["changed", "new", "invalid", "invalid"]
    changed = preview.rows[0]
    assert set(changed.changes) == {"email", "address"}
    bad = " ".join(preview.rows[2].errors)
    assert "Loại «Cửa hàng»" in bad and "Mã số thuế «12345»" in bad and "không hợp lệ" in bad
    assert "Thiếu xã, phường" in bad
    assert "Trùng với dòng 3" in preview.rows[3].errors[0]
    assert Carrier.objects.count() == before
    with pytest.raises(PledgeError, match="2 dòng không hợp lệ"):
        apply_import(data=data, filename="ds.csv", user=None)
    assert Carrier.objects.count() == before
    assert Carrier.objects.get(tax_code="4900100001").email == "dn0@example.vn"


def test_apply_writes_all_rows_in_one_go_and_audits(carriers):
    data = _csv(
        "Bưu điện tỉnh Lạng Sơn,Doanh nghiệp bưu chính,4900100001,100/GP-BTTTT,Số 1 đường Trần Đăng Ninh,"
        "Phường Lương Văn Tri,Nguyễn Văn Bình,Giám đốc,moi@example.vn,0205 3870 000",
        "Điểm BĐVHX Na Sầm,Điểm phục vụ bưu chính,,,Thôn Bản Thẳm,Na Sầm,Hà Thị Mai,Nhân viên,tt@example.vn,",
    )
    result = apply_import(data=data, filename="ds.csv", user=None)
    assert len(result.new) == 1 and len(result.changed) == 1
    assert Carrier.objects.get(tax_code="4900100001").email == "moi@example.vn"
    assert Carrier.objects.get(name="Điểm BĐVHX Na Sầm").kind == Carrier.Kind.SERVICE_POINT
    assert AuditEntry.objects.filter(code="workflows.pledges.registry_imported").exists()


def test_xlsx_export_reimports_unchanged(carriers):
    data = registry.export_xlsx()
    preview = registry.preview_import(data=data, filename="x.xlsx")
    assert [r.status for r in preview.rows] == ["unchanged"] * len(carriers)
    csv_preview = registry.preview_import(data=registry.export_csv(), filename="x.csv")
    assert {r.status for r in csv_preview.rows} == {"unchanged"}


def test_unreadable_files_get_a_clear_message(db):
    with pytest.raises(RegistryFileError, match="XLSX"):
        registry.preview_import(data=b"not a zip", filename="x.xlsx")
    with pytest.raises(RegistryFileError, match=".csv hoặc .xlsx"):
        registry.preview_import(data=b"x", filename="x.pdf")
    workbook = Workbook()
    workbook.active.append(["Địa chỉ"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(RegistryFileError, match="Thiếu cột bắt buộc"):
        registry.preview_import(data=buffer.getvalue(), filename="x.xlsx")


def test_import_pages_preview_then_apply(client, make_user, carriers):
    client.force_login(make_user(Role.STAFF))
    data = _csv("Điểm BĐVHX Kỳ Lừa,Điểm phục vụ bưu chính,,,Số 2 Tam Thanh,06187,Vy Văn Hùng,,hd@example.vn,")
    upload = io.BytesIO(data)
    upload.name = "ds.csv"
    response = client.post(reverse("pledges:import"), {"action": "preview", "file": upload})
    assert response.status_code == 200 and "1 mới" in response.content.decode()
    assert not Carrier.objects.filter(name="Điểm BĐVHX Kỳ Lừa").exists()
    upload_id = response.context["upload"]
    response = client.post(reverse("pledges:import"), {"action": "apply", "upload": upload_id})
    assert response.status_code == 302
    assert Carrier.objects.filter(name="Điểm BĐVHX Kỳ Lừa").exists()


def test_carrier_users_cannot_reach_staff_pages(client, make_user, carriers):
    client.force_login(make_user(Role.CARRIER))
    for name in ("pledges:import", "pledges:carriers", "pledges:campaigns", "pledges:campaign_create"):
        assert client.get(reverse(name)).status_code == 403


def test_import_preview_counts_unchanged_rows(client, make_user, carriers):
    """Re-importing the exported list: the preview says every row is unchanged instead of saying nothing about them."""
    client.force_login(make_user(Role.STAFF))
    upload = io.BytesIO(registry.export_csv())
    upload.name = "ds.csv"
    response = client.post(reverse("pledges:import"), {"action": "preview", "file": upload})
    html = " ".join(response.content.decode().split())
    assert f"{len(carriers)} dòng không thay đổi" in html
    assert "Không có dòng mới hoặc thay đổi: không có gì để ghi." in html
