from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from templates_docs.doctypes import DOCUMENT_TYPES

DOC_TYPE_CHOICES = [(slug, kind.name) for slug, kind in DOCUMENT_TYPES.items()]


class TemplateVersion(models.Model):
    """One uploaded (or built-in) DOCX template of a type. Versions are never edited, only activated."""

    doc_type = models.CharField(_("loại văn bản"), max_length=32, choices=DOC_TYPE_CHOICES)
    version = models.PositiveIntegerField(_("phiên bản"))
    docx = models.BinaryField(_("tệp DOCX"))
    sha256 = models.CharField(max_length=64, editable=False)
    filename = models.CharField(_("tên tệp"), max_length=255, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tải lên"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activated_at = models.DateTimeField(_("kích hoạt lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiên bản mẫu văn bản")
        verbose_name_plural = _("phiên bản mẫu văn bản")
        ordering = ["doc_type", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "version"], name="templates_docs_unique_version"),
            models.UniqueConstraint(
                fields=["doc_type"],
                condition=models.Q(is_active=True),
                name="templates_docs_one_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} v{self.version}"

    def save(self, *args, **kwargs):
        self.sha256 = hashlib.sha256(bytes(self.docx)).hexdigest()
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """What a rendered document records: "cong-van:v3", or "cong-van:builtin-1" for the shipped template
        (version 0, never saved)."""
        if self.version == 0:
            from templates_docs.builder import BUILTIN_VERSION

            return f"{self.doc_type}:{BUILTIN_VERSION}"
        return f"{self.doc_type}:v{self.version}"


class NumberCounter(models.Model):
    """The last number given in a series for a year. Locked (SELECT ... FOR UPDATE) to allocate the next."""

    series = models.CharField(_("sổ"), max_length=64)
    year = models.PositiveIntegerField(_("năm"))
    last_number = models.PositiveIntegerField(_("số cuối"), default=0)

    class Meta:
        verbose_name = _("bộ đếm số văn bản")
        verbose_name_plural = _("bộ đếm số văn bản")
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="templates_docs_unique_counter")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


class RegisterEntry(models.Model):
    """One line of the outgoing register (sổ đăng ký văn bản đi, ND30 Phụ lục IV)."""

    series = models.CharField(_("sổ"), max_length=64)
    year = models.PositiveIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số"))
    code = models.CharField(_("số, ký hiệu"), max_length=64)  # "05/STTTT-TTr"
    notation = models.CharField(_("ký hiệu"), max_length=48)  # "STTTT-TTr"
    doc_type = models.CharField(_("loại văn bản"), max_length=32, choices=DOC_TYPE_CHOICES)
    issued_date = models.DateField(_("ngày văn bản"))
    subject = models.CharField(_("trích yếu"), max_length=500)
    signer_name = models.CharField(_("người ký"), max_length=200)
    recipients = models.JSONField(_("nơi nhận"), default=list)
    archive_holder = models.CharField(_("đơn vị, người nhận bản lưu"), max_length=200, blank=True)
    copies = models.PositiveIntegerField(_("số lượng bản"), default=1)
    transferred_on = models.DateField(_("ngày chuyển"), null=True, blank=True)
    received_by = models.CharField(_("ký nhận"), max_length=200, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("văn bản đi")
        verbose_name_plural = _("sổ đăng ký văn bản đi")
        ordering = ["-year", "series", "number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "number"], name="templates_docs_unique_number"),
            models.UniqueConstraint(fields=["year", "code"], name="templates_docs_unique_code"),
        ]
        permissions = [("view_outgoing_register", _("Xem và xuất sổ đăng ký văn bản đi"))]

    def __str__(self) -> str:
        return self.code

    @property
    def type_name(self) -> str:
        kind = DOCUMENT_TYPES.get(self.doc_type)
        return kind.name if kind else self.doc_type

    @property
    def type_and_subject(self) -> str:
        return f"{self.type_name}: {self.subject}"
