"""Key records (where a key lives, never the key itself) and verification records of issued documents."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningKey(models.Model):
    """A signing key known by id. Secrets (PKCS#12 password, token PIN) come from the environment or a file."""

    class Kind(models.TextChoices):
        PKCS12 = "pkcs12", _("Tệp PKCS#12")
        PKCS11 = "pkcs11", _("Thiết bị PKCS#11 (token/HSM)")

    key_id = models.SlugField(_("mã khóa"), max_length=64, unique=True)
    label = models.CharField(_("tên hiển thị"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người sở hữu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signing_keys",
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.PKCS12)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    pkcs12_path = models.CharField(_("đường dẫn tệp PKCS#12"), max_length=500, blank=True)
    pkcs12_password_env = models.CharField(_("biến môi trường chứa mật khẩu PKCS#12"), max_length=100, blank=True)
    pkcs12_password_file = models.CharField(_("tệp bí mật chứa mật khẩu PKCS#12"), max_length=500, blank=True)
    pkcs11_module = models.CharField(_("thư viện PKCS#11"), max_length=500, blank=True)
    pkcs11_token_label = models.CharField(_("nhãn token"), max_length=200, blank=True)
    pkcs11_key_label = models.CharField(_("nhãn khóa/chứng thư trên token"), max_length=200, blank=True)
    pkcs11_key_id = models.CharField(_("ID khóa trên token (hex)"), max_length=200, blank=True)
    pkcs11_pin_env = models.CharField(_("biến môi trường chứa PIN"), max_length=100, blank=True)
    certificate_der = models.BinaryField(_("chứng thư số (bộ nhớ đệm)"), blank=True, default=b"", editable=False)
    signature_image = models.CharField(_("ảnh chữ ký (PNG nền trong)"), max_length=500, blank=True)
    seal_image = models.CharField(_("ảnh con dấu (PNG nền trong)"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("khóa ký số")
        verbose_name_plural = _("khóa ký số")
        ordering = ["key_id"]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.label})" if self.label else self.key_id


class IssuedRevision(models.Model):
    """One revision of a document this system issued, found by its verification code or its SHA-256."""

    code = models.CharField(_("mã xác thực"), max_length=32, db_index=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    subject = models.CharField(_("trích yếu"), max_length=500, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=300, blank=True)
    issued_date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    kind = models.CharField(_("loại"), max_length=50, blank=True)
    file = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bản phát hành đã ký")
        verbose_name_plural = _("bản phát hành đã ký")
        ordering = ["code", "-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["code", "sha256"], name="signing_issued_code_sha256")]

    def __str__(self) -> str:
        return f"{self.code} {self.number}"
