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
