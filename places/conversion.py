"""Old district-based addresses (before 1 July 2025) converted to the new commune, with `vietnam-address-converter`'s
mapping of every old ward to the commune(s) it became.

An old ward that went whole into one commune converts on its own. One split between communes, or an address that
names only the old district, is ambiguous: the candidates are the communes it could be, for staff to choose. The
package's own codes are not the statistics office's: candidates are matched to our communes by name within the
province.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.text import fold
from places.models import Commune, Province
from places.services import home_province

MATCHED, AMBIGUOUS, NOT_FOUND = "matched", "ambiguous", "not_found"
# The converter falls back to the whole province when it does not know the district: that is no conversion.
_DISTRICT_KNOWN = {"province_district_ward_name", "province_district_name", "district_ward_name"}
# Parts of an old address that name an administrative unit (dropped from the street part when converting).
_UNIT_PART = re.compile(r"^(xa|phuong|thi tran|huyen|quan|thi xa|thanh pho|tp\.?|tinh|p\.|x\.|tt\.?)(\s|$)")
_WARD_PART = re.compile(r"^(xa|phuong|thi tran|p\.|x\.|tt\.?)(\s|$)")


@dataclass(frozen=True)
class Conversion:
    """What an old address became: one commune, several candidates, or nothing known."""

    status: str
    old_district: str
    old_ward: str
    candidates: tuple[Commune, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def commune(self) -> Commune | None:
        return self.candidates[0] if self.status == MATCHED else None

    @property
    def old_label(self) -> str:
        return ", ".join(p for p in (self.old_ward, self.old_district) if p)


def _folded(text: str) -> str:
    return " ".join(fold(text).split())


def ward_from_address(address: str) -> str:
    """The old ward an address names ("Thôn Pác Mòng, xã Hồng Phong, huyện Bình Gia" -> "xã Hồng Phong")."""
    for part in (p.strip() for p in address.split(",")):
        if _WARD_PART.match(_folded(part)):
            return part
    return ""


def street_part(address: str, *, district: str = "") -> list[str]:
    """The parts of an address below the commune: what stays when the units around it are renamed."""
    wanted = _folded(district)
    return [
        part
        for part in (p.strip() for p in address.split(","))
        if part and not _UNIT_PART.match(_folded(part)) and _folded(part) not in (wanted, "lang son")
    ]


def new_address(*, address: str, district: str, commune: Commune) -> str:
    """The address written after the reform: its street part, then the commune and the province."""
    return ", ".join([*street_part(address, district=district), commune.name, commune.province.in_text])


def convert_old_address(*, district: str, ward: str = "", province: Province | None = None) -> Conversion:
    """The commune(s) an old (district, ward) of the province became."""
    from vietnam_address_converter.conversion import convert_old_to_new

    province = province or home_province()
    district, ward = " ".join(district.split()), " ".join(ward.split())
    result = convert_old_to_new(
        {"province_name": province.name, "district_name": district, "ward_name": ward}, {"allowBroadMatch": False}
    )
    if result.get("match_level") not in _DISTRICT_KNOWN:
        return Conversion(status=NOT_FOUND, old_district=district, old_ward=ward)
    ours = {_folded(c.name): c for c in province.communes.filter(is_current=True)}
    found: list[Commune] = []
    for candidate in result.get("candidates") or []:
        new_ward = candidate.get("new_ward") or {}
        new_province = candidate.get("new_province") or {}
        commune = ours.get(_folded(new_ward.get("name_with_type", "")))
        if commune is not None and _folded(new_province.get("name", "")) == _folded(province.name):
            if commune not in found:
                found.append(commune)
    notes: list[str] = []
    if ward and result.get("match_level") != "province_district_ward_name" and found:
        notes.append(
            _("Không tìm thấy xã, phường cũ «%(ward)s» của «%(district)s»: chọn một trong các xã, phường mới.")
            % {"ward": ward, "district": district}
        )
    if not found:
        return Conversion(status=NOT_FOUND, old_district=district, old_ward=ward)
    status = MATCHED if len(found) == 1 and not notes else AMBIGUOUS
    return Conversion(status=status, old_district=district, old_ward=ward, candidates=tuple(found), notes=tuple(notes))
