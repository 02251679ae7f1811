"""The project's one diacritic folding (search, name matching)."""

import pytest

from core.text import fold, same_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hàng cấm", "hang cam"),
        ("ĐƯỜNG dây nóng", "duong day nong"),
        ("Chỉ thị 28/CT-BTTTT", "chi thi 28/ct-btttt"),
        ("Ỷ ỹ ữ Ợ", "y y u o"),
    ],
)
def test_fold_strips_vietnamese_diacritics_and_keeps_length(text, expected):
    assert fold(text) == expected
    assert len(fold(text)) == len(text)


def test_same_name_ignores_case_diacritics_and_spacing_but_not_letters():
    assert same_name("Nguyễn  Văn Bình ", "nguyen van binh")
    assert same_name("ĐẶNG THỊ HÀ", "Đặng Thị Hà")
    assert not same_name("Nguyễn Văn Bình", "Nguyễn Văn Binh Minh")
    assert not same_name("Nguyễn Văn Bình", "Nguyễn Văn")
