"""The official dispatch (văn bản đi): its content, its revisions, comments, recipients and receipts.

`DispatchProcess` is the viewflow process and the document at once. Every generated or signed file is a
`DispatchRevision` pointing at an immutable `core.StoredFile`; a signature adds a revision whose `previous` is the
revision it signed, so the chain of revisions is never overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from templates_docs.doctypes import URGENCY_RANK, Urgency


class AuthorityPrefix(models.TextChoices):
    NONE = "", _("(người đứng đầu ký)")
    KT = "KT.", _("KT. — cấp phó ký thay")
    TL = "TL.", _("TL. — thừa lệnh")
    TUQ = "TUQ.", _("TUQ. — thừa ủy quyền")
    Q = "Q.", _("Q. — quyền")
    TM = "TM.", _("TM. — thay mặt tập thể")


class Stage(models.TextChoices):
    DRAFTING = "drafting", _("Đang soạn thảo")
    RETURNED = "returned", _("Bị trả lại để sửa")
    REVIEWING = "reviewing", _("Chờ trưởng phòng duyệt")
    APPROVING = "approving", _("Chờ lãnh đạo duyệt")
    NUMBERING = "numbering", _("Chờ văn thư cấp số")
    SIGNING = "signing", _("Chờ lãnh đạo ký số")
    SEALING = "sealing", _("Chờ văn thư đóng dấu số")
    SENDING = "sending", _("Chờ phát hành")
    SENT = "sent", _("Đã phát hành")


class DispatchProcess(Process):
    doc_type = models.CharField(_("loại văn bản"), max_length=40, default="cong-van")
    subject = models.CharField(_("trích yếu"), max_length=500)
    addressees = models.JSONField(_("kính gửi"), default=list, blank=True)
    legal_bases = models.JSONField(_("căn cứ"), default=list, blank=True)
    body = models.TextField(_("nội dung"), blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=20, choices=Urgency.choices, default="", blank=True)
    urgency_rank = models.PositiveSmallIntegerField(default=0, db_index=True)
    drafting_unit = models.CharField(_("đơn vị soạn thảo"), max_length=20, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người soạn"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người ký"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    authority_prefix = models.CharField(
        _("thẩm quyền ký"), max_length=10, choices=AuthorityPrefix.choices, default="", blank=True
    )
    authority_title = models.CharField(
        _("chức vụ người đứng đầu"), max_length=100, blank=True, help_text=_("Ví dụ: GIÁM ĐỐC (cho KT. GIÁM ĐỐC).")
    )
    is_public = models.BooleanField(_("công khai trên cổng thông tin"), default=False)
    field = models.CharField(_("lĩnh vực"), max_length=100, blank=True, default="Bưu chính")
    version = models.PositiveIntegerField(_("phiên bản dự thảo"), default=1)
    stage = models.CharField(_("giai đoạn"), max_length=20, choices=Stage.choices, default=Stage.DRAFTING)
    decision = models.CharField(max_length=10, blank=True)  # last review/approve decision, read by the If gates

    number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    code_number = models.PositiveIntegerField(_("số"), null=True, blank=True)
    issued_date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    register_entry = models.CharField(_("mục sổ văn bản đi"), max_length=64, blank=True)
    verification_code = models.CharField(_("mã xác thực"), max_length=64, blank=True)
    signature_page = models.IntegerField(null=True, blank=True)
    signature_box = models.JSONField(null=True, blank=True)
    sent_at = models.DateTimeField(_("thời điểm phát hành"), null=True, blank=True)
    published_at = models.DateTimeField(_("thời điểm đăng công khai"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    # The incoming document this dispatch answers (its edXML package carries the ResponseFor).
    answers = models.ForeignKey(
        "incoming.IncomingDocument",
        verbose_name=_("trả lời văn bản đến"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )

    class Meta:
        verbose_name = _("văn bản đi")
        verbose_name_plural = _("văn bản đi")

    def __str__(self) -> str:
        label = self.number or _("dự thảo #%(pk)s") % {"pk": self.pk}
        return f"{label} — {self.subject[:80]}"

    def save(self, *args, **kwargs) -> None:
        self.urgency_rank = URGENCY_RANK.get(self.urgency, 0)
        super().save(*args, **kwargs)

    def latest_revision(self, *kinds: str) -> DispatchRevision | None:
        revisions = self.revisions.all()
        if kinds:
            revisions = revisions.filter(kind__in=kinds)
        return revisions.order_by("-id").first()


class DispatchRevision(models.Model):
    """One generated or signed PDF of the dispatch. Signed revisions point at the revision they signed."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        FINAL = "final", _("Bản chính (chưa ký)")
        SIGNED = "signed", _("Lãnh đạo đã ký số")
        SEALED = "sealed", _("Đã ký số cơ quan (đóng dấu)")

    process = models.ForeignKey(DispatchProcess, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    version = models.PositiveIntegerField(_("phiên bản dự thảo"))
    pdf = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    docx = models.ForeignKey("core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    template_version = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("bản văn bản")
        verbose_name_plural = _("các bản văn bản")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.pdf.sha256[:12]})"


class DispatchVersion(models.Model):
    """The content as it was submitted for review: the history a returned draft keeps."""

    process = models.ForeignKey(DispatchProcess, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    content = models.JSONField(default=dict)
    draft = models.ForeignKey(DispatchRevision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number", "id"]
        verbose_name = _("phiên bản dự thảo")
        verbose_name_plural = _("phiên bản dự thảo")

    def __str__(self) -> str:
        return f"v{self.number}"


class DispatchComment(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", _("Đồng ý")
        RETURN = "return", _("Trả lại")

    process = models.ForeignKey(DispatchProcess, on_delete=models.CASCADE, related_name="comments")
    step = models.CharField(_("bước"), max_length=20)
    version = models.PositiveIntegerField(_("phiên bản"))
    decision = models.CharField(_("quyết định"), max_length=10, choices=Decision.choices)
    text = models.TextField(_("ý kiến"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ý kiến xử lý")
        verbose_name_plural = _("ý kiến xử lý")

    def __str__(self) -> str:
        return f"{self.step} v{self.version}: {self.decision}"


class DispatchAttachment(models.Model):
    """A phụ lục: a separate file that travels with the dispatch."""

    process = models.ForeignKey(DispatchProcess, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("tên phụ lục"), max_length=255)
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("phụ lục")
        verbose_name_plural = _("phụ lục")

    def __str__(self) -> str:
        return self.title


class DispatchRecipient(models.Model):
    """One line of "Nơi nhận" and, once sent, its receipt."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Đơn vị nội bộ")
        CARRIER = "carrier", _("Doanh nghiệp bưu chính")
        AGENCY = "agency", _("Cơ quan khác")
        TEXT = "text", _("Ghi chú tự do")

    process = models.ForeignKey(DispatchProcess, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("tên"), max_length=255)
    unit_abbreviation = models.CharField(max_length=20, blank=True)
    carrier = models.ForeignKey(
        "pledges.Carrier", null=True, blank=True, on_delete=models.PROTECT, related_name="dispatch_receipts"
    )
    organ_id = models.CharField(_("mã định danh cơ quan"), max_length=13, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    delivered_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    opened_at = models.DateTimeField(_("đã mở lúc"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("đã xác nhận lúc"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("nơi nhận")
        verbose_name_plural = _("nơi nhận")

    def __str__(self) -> str:
        return self.name


class ExternalSignature(models.Model):
    """A two-step signature in progress: the state kept between preparing and finishing (token signing)."""

    process = models.ForeignKey(DispatchProcess, on_delete=models.CASCADE, related_name="external_signatures")
    state = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"external signature #{self.pk}"
