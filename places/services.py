"""Loading the administrative units from `vietnam-provinces` and finding a commune by its name or code.

The package carries the statistics office's list after 1 July 2025 (34 provinces, 3,321 communes). Loading is
an upsert by code: a new list updates names and adds units; a unit missing from it is kept, marked not current,
because carriers and campaigns may point to it. The data migration and `manage.py load_admin_units` run the same
function (the migration passes its historical models).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.text import fold
from places.errors import UnknownCommune
from places.models import Commune, Province

logger = logging.getLogger(__name__)

# A commune written with its type or without: "Xã Bình Gia", "xa binh gia", "Bình Gia"; "P." for phường.
_TYPE_PREFIX = re.compile(r"^(xa|phuong|dac khu|p\.|x\.)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class LoadResult:
    provinces: int
    communes: int
    created: int
    updated: int
    retired: int
    data_version: str


def province_code(code: int) -> str:
    return f"{int(code):02d}"


def commune_code(code: int) -> str:
    return f"{int(code):05d}"


def sync_units(*, province_model=Province, commune_model=Commune) -> LoadResult:
    """Upsert every province and commune of the package; retire those it no longer lists."""
    import vietnam_provinces as vp

    provinces = {province_code(p.code): p for p in vp.Province.iter_all()}
    wards = {commune_code(w.code): w for w in vp.Ward.iter_all()}
    created = updated = 0
    with transaction.atomic():
        by_code = {}
        for code, p in provinces.items():
            values = {"name": p.name, "division_type": p.division_type.value, "codename": p.codename}
            obj, was_created = province_model.objects.get_or_create(code=code, defaults=values)
            if not was_created and any(getattr(obj, k) != v for k, v in {**values, "is_current": True}.items()):
                province_model.objects.filter(pk=obj.pk).update(**values, is_current=True)
            by_code[code] = obj
        province_model.objects.exclude(code__in=provinces).update(is_current=False)
        existing = {c.code: c for c in commune_model.objects.all()}
        new = []
        for code, w in wards.items():
            values = {
                "name": w.name,
                "division_type": w.division_type.value,
                "codename": w.codename,
                "province_id": by_code[province_code(w.province_code)].pk,
                "is_current": True,
            }
            current = existing.get(code)
            if current is None:
                new.append(commune_model(code=code, **values))
            elif any(getattr(current, k) != v for k, v in values.items()):
                commune_model.objects.filter(pk=current.pk).update(**values)
                updated += 1
        commune_model.objects.bulk_create(new, batch_size=1000)
        created = len(new)
        retired = commune_model.objects.filter(is_current=True).exclude(code__in=wards).update(is_current=False)
    result = LoadResult(
        provinces=len(provinces),
        communes=len(wards),
        created=created,
        updated=updated,
        retired=retired,
        data_version=vp.__data_version__,
    )
    logger.info("administrative units loaded: %s", result)
    return result


def home_province() -> Province:
    """The province this installation serves (VANTHU_PROVINCE_CODE)."""
    return Province.objects.get(code=settings.VANTHU_PROVINCE_CODE)


def _key(name: str) -> str:
    return _TYPE_PREFIX.sub("", " ".join(fold(name).split()))


def find_commune(*, text: str, province: Province | None = None) -> Commune:
    """The current commune of the province named (with or without its type) or coded by `text`.

    "Xã Bình Gia", "binh gia" and "06112" are the same commune of Lạng Sơn; a name two communes share ("Xã Quốc
    Khánh" and "Phường Quốc Khánh", elsewhere) needs its type.
    """
    province = province or home_province()
    wanted = " ".join(text.split())
    communes = Commune.objects.filter(province=province, is_current=True)
    if wanted.isdigit():
        match = communes.filter(code=commune_code(int(wanted))).first()
        if match is not None:
            return match
        raise UnknownCommune(
            _("Không có xã, phường mã «%(code)s» thuộc %(province)s.") % {"code": wanted, "province": province.in_text},
            detail=f"no current commune coded {wanted} in province {province.code}",
        )
    folded = " ".join(fold(wanted).split())
    exact = [c for c in communes if " ".join(fold(c.name).split()) == folded]
    if len(exact) == 1:
        return exact[0]
    loose = [c for c in communes if _key(c.name) == _key(wanted)]
    if len(loose) == 1:
        return loose[0]
    if len(loose) > 1:
        raise UnknownCommune(
            _("«%(name)s» là tên của nhiều đơn vị (%(names)s): ghi rõ xã hay phường.")
            % {"name": wanted, "names": ", ".join(c.name for c in loose)},
            detail=f"ambiguous commune name {wanted!r} in province {province.code}",
        )
    raise UnknownCommune(
        _(
            "Không có xã, phường «%(name)s» thuộc %(province)s theo danh mục đơn vị hành chính từ ngày 01/7/2025 "
            "(kiểm tra tên hoặc ghi mã xã)."
        )
        % {"name": wanted, "province": province.in_text},
        detail=f"no current commune named {wanted!r} in province {province.code}",
    )
