"""Key records (where a key lives, never the key itself) and verification records of issued documents."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningKey(models.Model):
    """A signing key known by id.

    Organisation keys (seal, system) open with a secret from the environment or a file. A personal key (`owner`
    set) opens only with its holder's secret, typed when signing: `protected` is a PKCS#12 the server keeps
    encrypted under the holder's signing PIN (`signing.protection`), `pkcs11` with no PIN variable or file is a
    token whose PIN the holder types.
    """

    class Kind(models.TextChoices):
        PKCS12 = "pkcs12", _("Tệp PKCS#12")
        PKCS11 = "pkcs11", _("Thiết bị PKCS#11 (token/HSM)")
        PROTECTED = "protected", _("Khóa cá nhân bảo vệ bằng PIN ký của người giữ")

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
    pkcs11_pin_file = models.CharField(_("tệp bí mật chứa PIN"), max_length=500, blank=True)
    protected_key = models.BinaryField(_("khóa đã mã hóa bằng PIN ký"), blank=True, default=b"", editable=False)
    pin_failures = models.PositiveSmallIntegerField(_("số lần nhập sai PIN liên tiếp"), default=0, editable=False)
    pin_locked_until = models.DateTimeField(_("tạm khóa PIN đến"), null=True, blank=True, editable=False)
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

    @property
    def needs_holder_secret(self) -> bool:
        """True when only the holder's typed PIN opens this key (the server cannot use it alone)."""
        if self.kind == self.Kind.PROTECTED:
            return True
        return self.kind == self.Kind.PKCS11 and not (self.pkcs11_pin_env or self.pkcs11_pin_file)


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


class RemoteCredential(models.Model):
    """A signer's credential at the remote signing provider (CSC API): the key stays with the provider.

    Only identifiers and the public certificate are kept; the PIN/OTP that authorises each signature is typed by
    the signer every time and never stored.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký"),
        on_delete=models.CASCADE,
        related_name="remote_credentials",
    )
    provider = models.CharField(_("nhà cung cấp"), max_length=64)
    user_ref = models.CharField(_("mã người dùng tại nhà cung cấp"), max_length=200)
    credential_id = models.CharField(_("mã chứng thư tại nhà cung cấp"), max_length=255)
    label = models.CharField(_("tên hiển thị"), max_length=200, blank=True)
    certificate_der = models.BinaryField(_("chứng thư số"), editable=False)
    key_algorithm = models.CharField(_("thuật toán khóa"), max_length=50, blank=True)
    auth_mode = models.CharField(_("cách xác nhận"), max_length=20, blank=True)
    needs_pin = models.BooleanField(_("cần PIN"), default=False)
    needs_otp = models.BooleanField(_("cần OTP"), default=False)
    multisign = models.PositiveIntegerField(_("số chữ ký tối đa mỗi lần xác nhận"), default=1)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chứng thư ký số từ xa")
        verbose_name_plural = _("chứng thư ký số từ xa")
        ordering = ["owner_id", "label", "credential_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "credential_id"], name="signing_remote_provider_credential")
        ]

    def __str__(self) -> str:
        return self.label or self.credential_id


class TrustedCertificate(models.Model):
    """One certificate of the trust store. Anchors (enabled roots) end certification paths; intermediates only
    help build them, never vouch for anything themselves. Shipped entries come from `signing/trust/<bundle>/`
    (`manage.py trust_store sync`), others from an administrator's import; an entry is disabled, never deleted,
    so the audit log keeps pointing at it."""

    class Role(models.TextChoices):
        ANCHOR = "anchor", _("Gốc tin cậy")
        INTERMEDIATE = "intermediate", _("Trung gian (chỉ để dựng chuỗi)")

    sha256 = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    subject = models.CharField(_("chủ thể"), max_length=1000)
    subject_cn = models.CharField(_("tên (CN)"), max_length=300)
    issuer = models.CharField(_("tổ chức cấp"), max_length=1000)
    serial = models.CharField(_("số hiệu"), max_length=100)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    der = models.BinaryField(_("chứng thư (DER)"), editable=False)
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    source = models.CharField(_("nguồn"), max_length=300, help_text=_("vn/<tệp> (kèm dự án) hoặc tệp đã nhập"))
    source_url = models.URLField(_("nơi công bố"), max_length=500, blank=True)
    confidence = models.CharField(_("mức độ chắc chắn"), max_length=500, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    bundled = models.BooleanField(_("kèm theo dự án"), default=False)
    enabled = models.BooleanField(_("đang dùng"), default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chứng thư trong kho tin cậy")
        verbose_name_plural = _("kho chứng thư tin cậy")
        ordering = ["role", "subject_cn", "not_after"]

    def __str__(self) -> str:
        return f"{self.subject_cn} ({self.sha256[:16]}…)"
