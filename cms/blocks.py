"""StreamField blocks of the public portal."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("tiêu đề"))
    level = blocks.ChoiceBlock(choices=[("h2", _("Cấp 2")), ("h3", _("Cấp 3"))], default="h2", label=_("cấp tiêu đề"))

    class Meta:
        icon = "title"
        template = "cms/blocks/heading.html"
        label = _("Tiêu đề")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("ảnh"))
    alt = blocks.CharBlock(
        label=_("văn bản thay thế"), help_text=_("Mô tả ảnh cho người dùng trình đọc màn hình (bắt buộc).")
    )
    caption = blocks.CharBlock(label=_("chú thích"), required=False)

    class Meta:
        icon = "image"
        template = "cms/blocks/image.html"
        label = _("Ảnh")


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("trích dẫn"))
    source = blocks.CharBlock(label=_("nguồn"), required=False)

    class Meta:
        icon = "openquote"
        template = "cms/blocks/quote.html"
        label = _("Trích dẫn")


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("info", _("Thông tin")), ("warning", _("Cảnh báo"))], default="info", label=_("kiểu")
    )
    title = blocks.CharBlock(label=_("tiêu đề"), required=False)
    text = blocks.RichTextBlock(features=RICH_FEATURES, label=_("nội dung"))

    class Meta:
        icon = "warning"
        template = "cms/blocks/callout.html"
        label = _("Khung lưu ý")


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("tệp"))
    title = blocks.CharBlock(label=_("tên hiển thị"), required=False)

    class Meta:
        icon = "doc-full"
        template = "cms/blocks/document.html"
        label = _("Tệp đính kèm")


class LegalProvisionBlock(blocks.StructBlock):
    """A provision of law, cited with its reference (e.g. "Điều 12 Luật Bưu chính 49/2010/QH12")."""

    reference = blocks.CharBlock(label=_("căn cứ"))
    title = blocks.CharBlock(label=_("tên điều khoản"), required=False)
    text = blocks.RichTextBlock(features=RICH_FEATURES, label=_("nội dung"))

    class Meta:
        icon = "doc-full-inverse"
        template = "cms/blocks/legal_provision.html"
        label = _("Quy định pháp luật")


class FineBlock(blocks.StructBlock):
    violation = blocks.CharBlock(label=_("hành vi vi phạm"))
    organisation_fine = blocks.CharBlock(label=_("mức phạt tổ chức"))
    individual_fine = blocks.CharBlock(label=_("mức phạt cá nhân"), required=False)
    reference = blocks.CharBlock(label=_("căn cứ"))


class FineTableBlock(blocks.StructBlock):
    caption = blocks.CharBlock(label=_("tên bảng"))
    rows = blocks.ListBlock(FineBlock(), label=_("các mức phạt"))
    note = blocks.TextBlock(label=_("ghi chú"), required=False)

    class Meta:
        icon = "table"
        template = "cms/blocks/fine_table.html"
        label = _("Bảng mức xử phạt")


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=RICH_FEATURES, label=_("Đoạn văn"), icon="pilcrow")
    image = ImageBlock()
    quote = QuoteBlock()
    callout = CalloutBlock()
    document = DocumentBlock()
    provision = LegalProvisionBlock()
    fines = FineTableBlock()
