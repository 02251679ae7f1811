from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import Orderable, Site

ORGANISATION_CACHE_KEY = "core:organisation-settings"
ORGANISATION_CACHE_SECONDS = 300


class User(AbstractUser):
    """A person using vanthu. Vietnamese names read family name first: "Nguyễn Quang Huy"."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def get_full_name(self) -> str:
        return " ".join(part for part in (self.last_name.strip(), self.first_name.strip()) if part)

    def get_short_name(self) -> str:
        return self.first_name.strip()

    def __str__(self) -> str:
        return self.get_full_name() or self.get_username()


@register_setting(icon="site")
class OrganisationSettings(ClusterableModel, BaseGenericSetting):
    """The issuing agency as printed in every document header. Configuration, never hard-coded."""

    parent_agency_name = models.CharField(
        _("cơ quan chủ quản"),
        max_length=200,
        default="UBND TỈNH LẠNG SƠN",
        help_text=_("Dòng trên cùng bên trái của văn bản, ví dụ: UBND TỈNH LẠNG SƠN."),
    )
    agency_name = models.CharField(
        _("tên cơ quan ban hành"),
        max_length=200,
        default="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        help_text=_("Từ 01/3/2025 nhiều tỉnh đã hợp nhất vào Sở Khoa học và Công nghệ."),
    )
    agency_abbreviation = models.CharField(
        _("chữ viết tắt của cơ quan"),
        max_length=30,
        default="STTTT",
        help_text=_("Dùng trong ký hiệu văn bản, ví dụ 05/STTTT-TTr."),
    )
    place_name = models.CharField(
        _("địa danh"), max_length=100, default="Lạng Sơn", help_text=_("Địa danh ghi trên văn bản.")
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=50, blank=True)
    hotline = models.CharField(_("đường dây nóng"), max_length=50, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    website = models.URLField(_("trang thông tin điện tử"), blank=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("parent_agency_name"),
                FieldPanel("agency_name"),
                FieldPanel("agency_abbreviation"),
                FieldPanel("place_name"),
            ],
            heading=_("Cơ quan ban hành"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldPanel("phone"),
                FieldPanel("hotline"),
                FieldPanel("email"),
                FieldPanel("website"),
            ],
            heading=_("Liên hệ"),
        ),
        InlinePanel("units", heading=_("Đơn vị soạn thảo"), label=_("đơn vị")),
    ]

    class Meta:
        verbose_name = _("thông tin cơ quan")
        verbose_name_plural = _("thông tin cơ quan")

    def __str__(self) -> str:
        return self.agency_name

    @classmethod
    def load(cls, request_or_site=None) -> "OrganisationSettings":
        """The one row, read through the shared cache: every page header needs it. Saving the settings or a
        unit drops the cached copy (`forget_organisation`)."""
        attr = cls.get_cache_attr_name()
        if request_or_site is not None and hasattr(request_or_site, attr):
            return getattr(request_or_site, attr)
        org = cache.get(ORGANISATION_CACHE_KEY)
        if org is None:
            org = cls._get_or_create()
            cache.set(ORGANISATION_CACHE_KEY, org, ORGANISATION_CACHE_SECONDS)
        if request_or_site is not None and not isinstance(request_or_site, Site):
            setattr(request_or_site, attr, org)
        return org


def forget_organisation(**kwargs) -> None:
    """Drop the cached settings now and again at commit, so no reader caches the row as it was before."""
    cache.delete(ORGANISATION_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(ORGANISATION_CACHE_KEY))


class DraftingUnit(Orderable):
    """A unit that drafts documents; its abbreviation ends a công văn number (05/STTTT-TTr)."""

    organisation = ParentalKey(OrganisationSettings, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("tên đơn vị"), max_length=200)
    abbreviation = models.CharField(_("chữ viết tắt"), max_length=20)

    panels = [FieldPanel("name"), FieldPanel("abbreviation")]

    class Meta(Orderable.Meta):
        verbose_name = _("đơn vị soạn thảo")
        verbose_name_plural = _("đơn vị soạn thảo")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "abbreviation"], name="core_unique_unit_abbreviation")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})"


class StaffProfile(models.Model):
    """What a document needs to know about a member of staff: title and unit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    title = models.CharField(_("chức vụ"), max_length=100, blank=True, help_text=_("Ví dụ: GIÁM ĐỐC, PHÓ GIÁM ĐỐC."))
    unit_abbreviation = models.CharField(_("đơn vị (viết tắt)"), max_length=20, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("hồ sơ cán bộ")
        verbose_name_plural = _("hồ sơ cán bộ")

    def __str__(self) -> str:
        return f"{self.user} — {self.title}"


class AuditEntry(models.Model):
    """One line of the append-only audit log; each line carries the hash of the one before it."""

    created_at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("người thực hiện (tên)"), max_length=200, blank=True)
    code = models.CharField(_("mã hành động"), max_length=100, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True, db_index=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("nhật ký")
        verbose_name_plural = _("nhật ký")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.code}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit entries are append-only.")


class StoredFile(models.Model):
    """A generated or signed file, stored once and never overwritten, addressed by its SHA-256."""

    sha256 = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to="blobs/", max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    filename = models.CharField(_("tên tệp"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp lưu trữ")
        verbose_name_plural = _("tệp lưu trữ")

    def __str__(self) -> str:
        return f"{self.filename or self.sha256[:12]} ({self.size} B)"

    def read(self) -> bytes:
        with self.file.open("rb") as fh:
            return fh.read()


class WorkerHeartbeat(models.Model):
    """A task worker's lease: alive while `last_seen` (database time) is younger than VANTHU_TASK_LEASE_SECONDS."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("tiến trình xử lý nền")
        verbose_name_plural = _("tiến trình xử lý nền")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
