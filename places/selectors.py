"""Reads of the administrative units other apps use."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from places.models import Commune


def current_communes(*, province_code: str | None = None) -> QuerySet[Commune]:
    """The communes of the province (default: this installation's) that exist today, by name."""
    code = province_code or settings.VANTHU_PROVINCE_CODE
    return Commune.objects.filter(province__code=code, is_current=True).order_by("name")
