from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Carrier(models.Model):
    """A postal business, post office or service point in the province (the registry staff keep)."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Doanh nghiệp bưu chính")
        POST_OFFICE = "post_office", _("Bưu cục")
        SERVICE_POINT = "service_point", _("Điểm phục vụ bưu chính")

    name = models.CharField(_("tên"), max_length=255)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("trực thuộc doanh nghiệp"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="branches",
    )
    tax_code = models.CharField(_("mã số thuế"), max_length=20, blank=True, db_index=True)
    licence_number = models.CharField(_("số giấy phép bưu chính"), max_length=100, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    district = models.CharField(_("huyện/thành phố"), max_length=100, blank=True, db_index=True)
    representative = models.CharField(_("người đại diện"), max_length=200, blank=True)
    representative_title = models.CharField(_("chức vụ người đại diện"), max_length=200, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=50, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("tài khoản"), blank=True, related_name="carriers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("doanh nghiệp / điểm phục vụ bưu chính")
        verbose_name_plural = _("doanh nghiệp / điểm phục vụ bưu chính")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code", "licence_number", "name"], name="pledges_unique_carrier_identity"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A pledge campaign; one Pledge per targeted carrier. Its own states, not a viewflow process."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        RUNNING = "running", _("Đang diễn ra")
        CLOSED = "closed", _("Đã kết thúc")

    title = models.CharField(_("tên chiến dịch"), max_length=255)
    slug = models.SlugField(_("mã"), max_length=100, unique=True)
    description = models.TextField(_("mô tả"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("mở từ"), null=True, blank=True)
    closes_at = models.DateTimeField(_("hạn ký"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("chiến dịch ký cam kết")
        verbose_name_plural = _("chiến dịch ký cam kết")

    def __str__(self) -> str:
        return self.title


class Pledge(models.Model):
    """One carrier's pledge in one campaign."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ ký")
        SIGNED = "signed", _("Đã ký")
        DECLINED = "declined", _("Từ chối")
        BOUNCED = "bounced", _("Không gửi được thư")
        REVOKED = "revoked", _("Đã thu hồi lời mời")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pledges")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="pledges")
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    signed_at = models.DateTimeField(_("thời điểm ký"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["carrier__name"]
        verbose_name = _("bản cam kết")
        verbose_name_plural = _("bản cam kết")
        constraints = [models.UniqueConstraint(fields=["campaign", "carrier"], name="pledges_one_pledge_per_carrier")]

    def __str__(self) -> str:
        return f"{self.carrier} — {self.campaign}"
