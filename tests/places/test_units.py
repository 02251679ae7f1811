"""The administrative units after 1 July 2025, loaded from vietnam-provinces: Lạng Sơn's 65 communes with their
codes, the list kept up to date by `load_admin_units`, and a commune that is not in it refused in Vietnamese."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from places.errors import UnknownCommune
from places.models import Commune, Province
from places.services import find_commune
from workflows.pledges import registry
from workflows.pledges.models import Carrier


def test_the_migration_loads_lang_son_with_its_65_communes_and_their_codes(db):
    assert Province.objects.filter(is_current=True).count() == 34
    assert Commune.objects.filter(is_current=True).count() == 3321
    lang_son = Province.objects.get(code="20")
    assert lang_son.name == "Lạng Sơn" and lang_son.division_type == "tỉnh"
    communes = Commune.objects.filter(province=lang_son, is_current=True)
    assert communes.count() == 65
    assert communes.filter(division_type=Commune.Type.XA).count() == 61
    assert communes.filter(division_type=Commune.Type.PHUONG).count() == 4
    assert set(communes.filter(division_type=Commune.Type.PHUONG).values_list("code", "name")) == {
        ("05977", "Phường Đông Kinh"),
        ("05983", "Phường Lương Văn Tri"),
        ("05986", "Phường Tam Thanh"),
        ("06187", "Phường Kỳ Lừa"),
    }
    known = {"06112": "Xã Bình Gia", "06529": "Xã Lộc Bình", "06040": "Xã Thất Khê", "06613": "Xã Đình Lập"}
    assert dict(communes.filter(code__in=known).values_list("code", "name")) == known


def test_load_admin_units_updates_names_and_retires_units_no_longer_listed(db):
    Commune.objects.filter(code="06112").update(name="Thị trấn Bình Gia")
    gone = Commune.objects.create(
        code="99999", name="Xã Đã Sáp Nhập", division_type="xã", codename="x", province=Province.objects.get(code="20")
    )
    out = io.StringIO()
    call_command("load_admin_units", stdout=out)
    assert "34 provinces, 3321 communes" in out.getvalue() and "1 updated, 1 no longer current" in out.getvalue()
    assert Commune.objects.get(code="06112").name == "Xã Bình Gia"
    gone.refresh_from_db()
    assert not gone.is_current  # kept: a carrier may still point to it, but no longer offered or matched
    with pytest.raises(UnknownCommune):
        find_commune(text="Xã Đã Sáp Nhập")


def test_a_commune_is_found_by_its_name_with_or_without_type_and_diacritics_or_by_its_code(db):
    for text in ("Xã Bình Gia", "binh gia", "  XÃ   BÌNH GIA ", "06112", "6112"):
        assert find_commune(text=text).code == "06112", text
    assert find_commune(text="Phường Kỳ Lừa").division_type == Commune.Type.PHUONG


def test_an_unknown_commune_is_refused_with_a_vietnamese_reason(db):
    with pytest.raises(UnknownCommune) as refused:
        find_commune(text="Thị trấn Đồng Mỏ")  # a town of the former Chi Lăng district, merged in 2025
    assert refused.value.message == (
        "Không có xã, phường «Thị trấn Đồng Mỏ» thuộc tỉnh Lạng Sơn theo danh mục đơn vị hành chính từ ngày "
        "01/7/2025 (kiểm tra tên hoặc ghi mã xã)."
    )
    with pytest.raises(UnknownCommune) as refused:
        find_commune(text="00004")  # Phường Ba Đình: a commune, but of Hà Nội
    assert refused.value.message == "Không có xã, phường mã «00004» thuộc tỉnh Lạng Sơn."
    header = "Tên,Loại,Địa chỉ,Xã/phường,Thư điện tử\n"
    data = (header + "Điểm phục vụ Đồng Mỏ,Điểm phục vụ bưu chính,Khu 1,Thị trấn Đồng Mỏ,dm@example.vn\n").encode()
    preview = registry.preview_import(data=data, filename="ds.csv")
    assert preview.rows[0].status == "invalid"
    assert "Không có xã, phường «Thị trấn Đồng Mỏ» thuộc tỉnh Lạng Sơn" in preview.rows[0].errors[0]
    assert not preview.can_apply and not Carrier.objects.exists()
