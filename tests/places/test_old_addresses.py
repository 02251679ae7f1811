"""A registry file from before 1 July 2025 (addresses by district): each row converted to the commune it became,
the original kept and shown beside the conversion in the preview; a split ward listed for staff to choose."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from core.roles import Role
from places.conversion import AMBIGUOUS, MATCHED, NOT_FOUND, convert_old_address
from workflows.pledges import registry
from workflows.pledges.errors import PledgeError
from workflows.pledges.models import Carrier
from workflows.pledges.services.carriers import apply_import

OLD_FILE = (
    "Tên,Loại,Địa chỉ,Huyện/thành phố,Thư điện tử\n"
    'Điểm BĐVHX Hồng Phong,Điểm phục vụ bưu chính,"Thôn Pác Mòng, xã Hồng Phong",Bình Gia,hp@example.vn\n'
    'Bưu cục Chi Lăng,Bưu cục,"Số 5 đường Bắc Sơn, phường Chi Lăng",Thành phố Lạng Sơn,cl@example.vn\n'
    'Bưu cục Đồng Mỏ,Bưu cục,"Khu Hòa Bình, thị trấn Đồng Mỏ",Chi Lăng,dm@example.vn\n'
    'Điểm BĐVHX Bính Xá,Điểm phục vụ bưu chính,"Thôn Bản Chắt, xã Bính Xá",Đình Lập,bx@example.vn\n'
).encode()


def test_old_wards_convert_to_their_communes_and_a_split_ward_has_its_candidates(db):
    assert convert_old_address(district="Bình Gia", ward="xã Hồng Phong").commune.code == "06079"
    assert convert_old_address(district="TP Lạng Sơn", ward="P. Chi Lăng").commune.name == "Phường Lương Văn Tri"
    split = convert_old_address(district="huyện Đình Lập", ward="xã Bính Xá")
    assert split.status == AMBIGUOUS and {c.name for c in split.candidates} == {"Xã Đình Lập", "Xã Kiên Mộc"}
    whole_district = convert_old_address(district="Bình Gia")
    assert whole_district.status == AMBIGUOUS and len(whole_district.candidates) == 8
    assert convert_old_address(district="Huyện Không Có", ward="Xã A").status == NOT_FOUND
    assert convert_old_address(district="Chi Lăng", ward="Thị trấn Đồng Mỏ").status == MATCHED


def test_an_old_style_import_is_converted_previewed_and_an_ambiguous_row_resolved_by_a_choice(client, make_user):
    client.force_login(make_user(Role.STAFF))
    upload = io.BytesIO(OLD_FILE)
    upload.name = "danh-sach-2024.csv"
    response = client.post(reverse("pledges:import"), {"action": "preview", "file": upload})
    page = response.content.decode()
    preview = response.context["preview"]
    assert [r.status for r in preview.rows] == ["new", "new", "new", "ambiguous"]
    converted = {r.data["name"]: r for r in preview.converted}
    assert converted["Bưu cục Chi Lăng"].commune.name == "Phường Lương Văn Tri"
    assert converted["Bưu cục Chi Lăng"].data["address"] == "Số 5 đường Bắc Sơn, Phường Lương Văn Tri, tỉnh Lạng Sơn"
    assert converted["Bưu cục Đồng Mỏ"].commune.name == "Xã Chi Lăng"
    # the preview shows each old address beside the commune it became, with its code
    assert "Thôn Pác Mòng, xã Hồng Phong" in page and "Xã Hồng Phong (mã 06079)" in page
    assert "Số 5 đường Bắc Sơn, phường Chi Lăng" in page and "Phường Lương Văn Tri (mã 05983)" in page
    assert "Địa chỉ cũ cần chọn xã, phường mới" in page
    assert '<option value="06613">Xã Đình Lập</option>' in page and '<option value="06625">Xã Kiên Mộc</option>' in page
    assert not Carrier.objects.exists()

    upload_id = response.context["upload"]
    # applying without a choice writes nothing and lists the row again
    response = client.post(reverse("pledges:import"), {"action": "apply", "upload": upload_id})
    assert response.status_code == 200
    assert "Còn 1 dòng địa chỉ cũ chưa chọn xã, phường mới" in response.content.decode()
    assert not Carrier.objects.exists()
    # a commune that is not one of the row's candidates is refused
    response = client.post(reverse("pledges:import"), {"action": "apply", "upload": upload_id, "commune_5": "06112"})
    assert "không thuộc các xã, phường của địa chỉ cũ" in response.content.decode()
    assert not Carrier.objects.exists()

    response = client.post(reverse("pledges:import"), {"action": "apply", "upload": upload_id, "commune_5": "06625"})
    assert response.status_code == 302
    placed = Carrier.objects.get(name="Điểm BĐVHX Bính Xá")
    assert placed.commune.name == "Xã Kiên Mộc"
    assert placed.former_district == "Đình Lập" and placed.former_address == "Thôn Bản Chắt, xã Bính Xá"
    assert placed.address == "Thôn Bản Chắt, Xã Kiên Mộc, tỉnh Lạng Sơn"
    assert Carrier.objects.get(name="Điểm BĐVHX Hồng Phong").commune.code == "06079"


def test_an_old_address_that_cannot_be_converted_is_refused_with_a_reason(db):
    data = "Tên,Địa chỉ,Huyện,Thư điện tử\nĐiểm X,Xã A,Huyện Không Có,x@example.vn\n".encode()
    preview = registry.preview_import(data=data, filename="ds.csv")
    assert preview.rows[0].status == "invalid"
    assert preview.rows[0].errors == [
        "Không chuyển được địa chỉ cũ «Xã A, Huyện Không Có» sang xã, phường mới: ghi xã, phường mới vào cột "
        "Xã/phường và bỏ trống cột huyện."
    ]
    with pytest.raises(PledgeError):
        apply_import(data=data, filename="ds.csv", user=None)
