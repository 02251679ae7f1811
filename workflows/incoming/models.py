"""Incoming documents (văn bản đến, ND 30/2020 Art. 20–24, Phụ lục IV): one row per document received.

The số đến runs per year without gaps, one series for paper and electronic documents (the templates_docs
counter, series `INCOMING_SERIES`). A document received but not yet registered has no number. The file is an
immutable `core.StoredFile`: the "ĐẾN" stamp of an electronic original is shown on the system, never written into
the (signed) file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from templates_docs.doctypes import Urgency

INCOMING_SERIES = "van-ban-den"


class Channel(models.TextChoices):
    PAPER = "paper", _("Giấy (bản quét)")
    PDF = "pdf", _("Tệp PDF tải lên")
    EDXML = "edxml", _("Trục liên thông (edXML)")
    EMAIL = "email", _("Thư điện tử")


class Status(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    REGISTERED = "registered", _("Đã vào sổ")
    PRESENTED = "presented", _("Đã trình")
    DIRECTED = "directed", _("Đã có ý kiến chỉ đạo")
    ASSIGNED = "assigned", _("Đã phân công")
    IN_PROGRESS = "in-progress", _("Đang giải quyết")
    DONE = "done", _("Đã giải quyết")
    RECALLED = "recalled", _("Bị thu hồi")


class TextStatus(models.TextChoices):
    """Where the document's searchable text comes from."""

    NONE = "", _("Chưa có")
    PENDING = "pending", _("Đang nhận dạng chữ")
    RECOGNISED = "ocr", _("Đã nhận dạng chữ (OCR)")
    EXTRACTED = "pdf-text", _("Lấy từ lớp chữ của tệp PDF")
    FAILED = "failed", _("Không nhận dạng được chữ")


# Statuses in which the document still waits for someone (overdue when past its deadline).
OPEN_STATUSES = (
    Status.RECEIVED,
    Status.REGISTERED,
    Status.PRESENTED,
    Status.DIRECTED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
)


class IncomingDocument(models.Model):
    # The register's number: null until registered.
    year = models.PositiveIntegerField(_("năm"), null=True, blank=True)
    number = models.PositiveIntegerField(_("số đến"), null=True, blank=True)
    received_at = models.DateTimeField(_("ngày đến"))
    channel = models.CharField(_("hình thức nhận"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )

    # The document as its issuer wrote it.
    issuer_name = models.CharField(_("cơ quan ban hành"), max_length=255)
    issuer_organ_id = models.CharField(_("mã định danh cơ quan ban hành"), max_length=64, blank=True)
    code = models.CharField(_("số, ký hiệu"), max_length=64, blank=True)  # "28/CT-BTTTT"
    issued_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    doc_type = models.CharField(_("tên loại"), max_length=100, blank=True)  # "Chỉ thị", "Công văn"
    subject = models.CharField(_("trích yếu"), max_length=500)
    signer_name = models.CharField(_("người ký"), max_length=200, blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=20, choices=Urgency.choices, default="", blank=True)
    urgency_rank = models.PositiveSmallIntegerField(default=0, db_index=True)
    deadline = models.DateField(_("hạn giải quyết"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("số trang"), null=True, blank=True)

    # The file and what the check of it found.
    file = models.ForeignKey(
        "core.StoredFile", verbose_name=_("tệp"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_sha256 = models.CharField(_("SHA-256 của tệp"), max_length=64, blank=True, db_index=True)
    package = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("gói tin edXML"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    validation = models.JSONField(_("kết quả kiểm tra chữ ký"), default=dict, blank=True)

    # The text of the document for search: recognised from a scan (OCR, Vietnamese) or read from the PDF's text
    # layer; `text_folded` is `core.text.fold(text)`. A scan's searchable PDF is a new file: the scan is kept.
    text = models.TextField(_("nội dung chữ"), blank=True)
    text_folded = models.TextField(blank=True, editable=False)
    text_status = models.CharField(
        _("nhận dạng chữ"), max_length=10, choices=TextStatus.choices, default=TextStatus.NONE, blank=True
    )
    text_error = models.CharField(_("lỗi nhận dạng chữ"), max_length=500, blank=True)
    searchable_file = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("bản PDF tìm kiếm được"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Exchange: the sender's edXML DocumentId, and the DocumentId of our own document this one answers.
    sender_document_id = models.CharField(_("mã văn bản của bên gửi"), max_length=255, blank=True, db_index=True)
    response_for = models.CharField(_("trả lời văn bản"), max_length=255, blank=True)

    # The register's remaining columns (Phụ lục IV) and the "ĐẾN" stamp's "Số và ký hiệu HS".
    routed_to = models.CharField(_("đơn vị hoặc người nhận"), max_length=255, blank=True)
    routed_on = models.DateField(_("ngày chuyển"), null=True, blank=True)
    received_by = models.CharField(_("ký nhận"), max_length=200, blank=True)
    file_code = models.CharField(_("số và ký hiệu hồ sơ"), max_length=64, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người vào sổ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("văn bản đến")
        verbose_name_plural = _("văn bản đến")
        ordering = ["-year", "-number", "-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"], condition=Q(number__isnull=False), name="incoming_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(year__isnull=False), name="incoming_number_has_year"
            ),
        ]
        permissions = [("view_incoming_register", _("Xem và xuất sổ đăng ký văn bản đến"))]

    def __str__(self) -> str:
        if self.number is None:
            return f"({self.code or self.subject[:40]})"
        return f"{self.display_number}/{self.year}"

    @property
    def display_number(self) -> str:
        """The số đến as printed: two digits at least ("01")."""
        return "" if self.number is None else f"{self.number:02d}"


class StatusMessage(models.Model):
    """One edXML status package sent (or to be sent) back to the sender of an electronic incoming document.

    `document` is empty for a package refused on arrival (status 02): it was never registered, `to_organ_id` and
    `about_document_id` still say whom it went to and about what.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi")
        OFF = "off", _("Không gửi (chưa cấu hình trục liên thông)")

    document = models.ForeignKey(
        IncomingDocument,
        verbose_name=_("văn bản đến"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_messages",
    )
    to_organ_id = models.CharField(_("gửi đến (mã định danh)"), max_length=64)
    about_document_id = models.CharField(_("mã văn bản của bên gửi"), max_length=255)
    code = models.CharField(_("mã trạng thái"), max_length=2)  # workflows.incoming.status.StatusCode
    description = models.CharField(_("nội dung"), max_length=1000, blank=True)
    package = models.TextField(_("gói tin trạng thái"))  # the edXML as sent, UTF-8
    state = models.CharField(_("tình trạng gửi"), max_length=10, choices=State.choices, default=State.PENDING)
    transport = models.CharField(_("kênh gửi"), max_length=20, blank=True)
    transport_id = models.CharField(_("mã gói tin trên trục"), max_length=255, blank=True)
    error = models.CharField(_("lỗi"), max_length=1000, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gửi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True)

    class Meta:
        verbose_name = _("gói tin trạng thái")
        verbose_name_plural = _("gói tin trạng thái")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.about_document_id} — {self.code} ({self.state})"


class IncomingProcess(Process):
    """The handling of one registered document (ND 30 Art. 24): presented to the leadership, directed to a unit in
    charge (chủ trì) and cooperating units (phối hợp), assigned by the head of the unit in charge to a handler, and
    closed by the handler. What each level wrote is kept as `Opinion` rows (the phiếu giải quyết)."""

    document = models.OneToOneField(
        IncomingDocument, verbose_name=_("văn bản đến"), on_delete=models.PROTECT, related_name="process"
    )
    lead_unit = models.CharField(_("đơn vị chủ trì"), max_length=20, blank=True)
    cooperating_units = models.JSONField(_("đơn vị phối hợp"), default=list, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người giải quyết"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler_deadline = models.DateField(_("hạn của người giải quyết"), null=True, blank=True)
    resolution = models.TextField(_("kết quả giải quyết"), blank=True)
    # the handler's pending request for more time (cleared when the head of unit or the leadership decides)
    extension_until = models.DateField(_("đề nghị gia hạn đến"), null=True, blank=True)
    extension_reason = models.CharField(_("lý do đề nghị gia hạn"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("giải quyết văn bản đến")
        verbose_name_plural = _("giải quyết văn bản đến")


class Opinion(models.Model):
    """One line of the phiếu giải quyết văn bản đến: who wrote what, at which level, with which deadline."""

    class Level(models.TextChoices):
        LEADERSHIP = "leadership", _("Ý kiến của lãnh đạo cơ quan")
        UNIT = "unit", _("Ý kiến của lãnh đạo đơn vị")
        HANDLER = "handler", _("Ý kiến đề xuất của người giải quyết")
        COOPERATING = "cooperating", _("Ý kiến của đơn vị phối hợp")

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="opinions")
    level = models.CharField(_("cấp"), max_length=20, choices=Level.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người viết"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(_("người viết (tên, chức vụ)"), max_length=255)
    unit = models.CharField(_("đơn vị"), max_length=20, blank=True)
    text = models.TextField(_("nội dung"))
    deadline = models.DateField(_("thời hạn"), null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        verbose_name = _("ý kiến giải quyết")
        verbose_name_plural = _("ý kiến giải quyết")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.author_label}"


class RecallRequest(models.Model):
    """The sender asks for a document back (edXML BussinessDocType revoke, or status 13) and what became of it.

    Accepted (status 15): the document is withdrawn (status RECALLED: out of the lists and the register; the row,
    its file and this record stay as evidence). Refused (16): the document stays. `document` is empty when the
    package named no document of ours (refused at once).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ văn thư quyết định")
        ACCEPTED = "accepted", _("Đồng ý thu hồi")
        REFUSED = "refused", _("Từ chối thu hồi")

    document = models.ForeignKey(
        IncomingDocument,
        verbose_name=_("văn bản đến"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recall_requests",
    )
    sender_organ_id = models.CharField(_("mã định danh bên gửi"), max_length=64)
    sender_document_id = models.CharField(_("mã văn bản của bên gửi"), max_length=255)
    reason = models.CharField(_("lý do thu hồi"), max_length=1000, blank=True)
    package = models.TextField(_("gói tin đề nghị thu hồi"))
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quyết định"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("thời điểm quyết định"), null=True, blank=True)
    decision_note = models.CharField(_("ý kiến"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đề nghị thu hồi văn bản đến")
        verbose_name_plural = _("đề nghị thu hồi văn bản đến")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sender_document_id} ({self.state})"
