"""The administrative units after the 2025 reform: provinces and their communes (xã, phường, đặc khu), with the
statistics office's codes. No district level: it ended on 1 July 2025."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """One of the 34 provinces and centrally governed cities."""

    code = models.CharField(_("mã"), max_length=2, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    division_type = models.CharField(_("loại"), max_length=30)
    codename = models.CharField(max_length=100)
    is_current = models.BooleanField(_("còn hiệu lực"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = _("tỉnh, thành phố")

    def __str__(self) -> str:
        return self.name

    @property
    def in_text(self) -> str:
        """How running text names it: "tỉnh Lạng Sơn", "Thành phố Hà Nội"."""
        return f"tỉnh {self.name}" if self.division_type == "tỉnh" else self.name


class Commune(models.Model):
    """A commune-level unit. One that disappears from a later list stays (carriers point to it), not current."""

    class Type(models.TextChoices):
        XA = "xã", _("Xã")
        PHUONG = "phường", _("Phường")
        DAC_KHU = "đặc khu", _("Đặc khu")

    code = models.CharField(_("mã"), max_length=5, unique=True)
    name = models.CharField(_("tên"), max_length=100)  # with its type: "Xã Bình Gia", "Phường Kỳ Lừa"
    division_type = models.CharField(_("loại"), max_length=10, choices=Type.choices)
    codename = models.CharField(max_length=100)
    province = models.ForeignKey(Province, verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="communes")
    is_current = models.BooleanField(_("còn hiệu lực"), default=True, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("xã, phường, đặc khu")
        verbose_name_plural = _("xã, phường, đặc khu")
        indexes = [models.Index(fields=["province", "is_current"])]

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        """The name without its type: "Bình Gia" for "Xã Bình Gia"."""
        prefix = self.get_division_type_display()
        return self.name[len(prefix) :].strip() if self.name.startswith(prefix) else self.name
