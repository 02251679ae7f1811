import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


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
    commune = models.ForeignKey(
        "places.Commune",
        verbose_name=_("xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carriers",
    )
    # History: what the registry said before the 2025 reform (the district level ended on 1 July 2025).
    former_district = models.CharField(_("địa bàn cũ (trước 01/7/2025)"), max_length=100, blank=True)
    former_address = models.CharField(_("địa chỉ cũ (trước 01/7/2025)"), max_length=500, blank=True)
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
        STARTING = "starting", _("Đang chuẩn bị bản cam kết")
        RUNNING = "running", _("Đang diễn ra")
        CLOSED = "closed", _("Đã kết thúc")

    class Target(models.TextChoices):
        ALL = "all", _("Tất cả doanh nghiệp, điểm phục vụ đang hoạt động")
        COMMUNE = "commune", _("Theo xã, phường")
        KIND = "kind", _("Theo loại")
        PICKED = "picked", _("Danh sách chọn")

    title = models.CharField(_("tên chiến dịch"), max_length=255)
    slug = models.SlugField(_("mã"), max_length=100, unique=True)
    description = models.TextField(_("mô tả"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("mở từ"), null=True, blank=True)
    closes_at = models.DateTimeField(_("hạn ký"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    template_doc_type = models.CharField(
        _("mẫu bản cam kết"),
        max_length=50,
        default="cam-ket",
        help_text=_("Loại mẫu DOCX trong kho mẫu văn bản (mặc định: cam-ket)."),
    )
    pledge_subject = models.CharField(
        _("trích yếu bản cam kết"),
        max_length=500,
        default="Nói không với việc chấp nhận, vận chuyển và phát hàng lậu, hàng cấm qua đường bưu chính",
    )
    pledge_body = models.TextField(_("nội dung cam kết"), blank=True, help_text=_("Mỗi đoạn một dòng."))
    target = models.CharField(_("đối tượng"), max_length=20, choices=Target.choices, default=Target.ALL)
    target_communes = models.ManyToManyField(
        "places.Commune", verbose_name=_("các xã, phường"), blank=True, related_name="+"
    )
    target_kinds = models.JSONField(_("các loại"), default=list, blank=True)
    target_carriers = models.ManyToManyField(Carrier, verbose_name=_("danh sách chọn"), blank=True, related_name="+")
    reminder_days = models.JSONField(
        _("nhắc trước hạn (ngày)"), default=list, blank=True, help_text=_("Ví dụ: 7, 3, 1.")
    )
    reminders_sent = models.JSONField(default=list, blank=True)
    render_total = models.PositiveIntegerField(default=0)
    render_done = models.PositiveIntegerField(default=0)
    render_failed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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

    class Method(models.TextChoices):
        SIMPLE = "a", _("Chữ ký điện tử, xác thực OTP")
        PKCS12 = "b", _("Chữ ký số (tệp PKCS#12)")
        OFFLINE = "c", _("Chữ ký số ký ngoài hệ thống")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pledges")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="pledges")
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    signed_at = models.DateTimeField(_("thời điểm ký"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    process = models.OneToOneField(Process, null=True, blank=True, on_delete=models.SET_NULL, related_name="pledge")
    # The invitation link carries a random token; only its SHA-256 is kept.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_at = models.DateTimeField(_("đã mời lúc"), null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    issued_pdf = models.ForeignKey("core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    template_version = models.CharField(max_length=100, blank=True)
    signature_box = models.JSONField(null=True, blank=True)
    verification_code = models.CharField(max_length=64, blank=True, db_index=True)
    render_error = models.TextField(blank=True)
    method = models.CharField(_("cách ký"), max_length=1, choices=Method.choices, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=200, blank=True)
    signer_detail = models.JSONField(default=dict, blank=True)
    signature_image = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_pdf = models.ForeignKey("core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    countersigned_pdf = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countersigned_at = models.DateTimeField(_("Sở ký xác nhận lúc"), null=True, blank=True)
    certificate_pdf = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The certificate's number, taken before it is rendered and kept for a retry (the register stays gap-free).
    certificate_entry = models.ForeignKey(
        "templates_docs.RegisterEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countersign_error = models.TextField(blank=True)
    declined_reason = models.TextField(_("lý do từ chối"), blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["carrier__name"]
        verbose_name = _("bản cam kết")
        verbose_name_plural = _("bản cam kết")
        constraints = [models.UniqueConstraint(fields=["campaign", "carrier"], name="pledges_one_pledge_per_carrier")]

    def __str__(self) -> str:
        return f"{self.carrier} — {self.campaign}"


class OtpChallenge(models.Model):
    """A one-time code sent to the carrier's registered e-mail. Only an HMAC of the code is stored."""

    class Purpose(models.TextChoices):
        ACCESS = "access", _("Xác thực thư điện tử")
        SIGN = "sign", _("Xác nhận ký")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="otp_challenges")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(max_length=100)  # "<salt>$<hmac-sha256 hex>"
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mã OTP")
        verbose_name_plural = _("mã OTP")

    def __str__(self) -> str:
        return f"OTP {self.get_purpose_display()} #{self.pk}"


class CorrectionRequest(models.Model):
    """A carrier asks staff to correct its registry details; never applied without staff."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chờ xử lý")
        APPLIED = "applied", _("Đã cập nhật")
        REJECTED = "rejected", _("Không cập nhật")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="corrections")
    changes = models.JSONField(_("đề nghị sửa"), default=dict)
    note = models.TextField(_("ghi chú"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("đề nghị sửa thông tin")
        verbose_name_plural = _("đề nghị sửa thông tin")

    def __str__(self) -> str:
        return f"{self.pledge.carrier} — {self.get_status_display()}"


class OutgoingEmail(models.Model):
    """Every e-mail the campaign sends, with its delivery state: failures stay visible."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Lời mời")
        OTP = "otp", _("Mã xác thực")
        REMINDER = "reminder", _("Nhắc ký")
        SIGNED = "signed", _("Xác nhận đã ký")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không được")

    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("thư đã gửi")
        verbose_name_plural = _("thư đã gửi")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to} ({self.get_status_display()})"


class PledgeProcess(Process):
    """The viewflow process of one carrier's pledge (proxy: the pledge links to it one-to-one)."""

    class Meta:
        proxy = True
        verbose_name = _("quy trình ký cam kết")
        verbose_name_plural = _("quy trình ký cam kết")
