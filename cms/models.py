"""Page types of the public portal: home, directives library, articles, campaign, plain pages."""

from __future__ import annotations

from datetime import date
from html import unescape
from typing import Any

from django.core.paginator import Paginator
from django.db import models
from django.db.models import F
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import RICH_FEATURES, BodyBlock
from workflows.pledges.selectors import campaign_counters, public_signatories

PAGE_SIZE = 20


def paginate(request, items, per_page: int = PAGE_SIZE):
    return Paginator(items, per_page).get_page(request.GET.get("trang"))


def stream_text(stream) -> str:
    return unescape(strip_tags(stream.render_as_block())) if stream else ""


def html_text(html: str) -> str:
    return unescape(strip_tags(html.replace("</p>", "</p>\n").replace("</li>", "</li>\n")))


class PortalPage(Page):
    """Base of every public page: what the portal's own accent-insensitive search indexes."""

    show_in_menus_default = False

    class Meta:
        abstract = True

    def search_document(self) -> dict[str, Any]:
        """title, keywords (weighted above the body), body, date and an exact number, as plain text."""
        return {"keywords": self.search_description, "body": "", "date": None, "number": ""}

    @property
    def summary(self) -> str:
        return self.search_description

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        response.vanthu_cache = True  # see cms.middleware: stored only for anonymous readers
        return response


class HomePage(PortalPage):
    intro = models.TextField(_("giới thiệu"), blank=True)
    featured_campaign = models.ForeignKey(
        "cms.CampaignPage",
        verbose_name=_("chiến dịch nổi bật"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Để trống: trang chiến dịch mới nhất."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("featured_campaign")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.DirectiveIndexPage", "cms.ArticleIndexPage", "cms.CampaignPage", "cms.StandardPage"]
    max_count = 1

    class Meta:
        verbose_name = _("trang chủ")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["directives"] = (
            DirectivePage.objects.live().public().descendant_of(self).order_by("-issued_date", "-pk")[:5]
        )
        context["articles"] = (
            ArticlePage.objects.live().public().descendant_of(self).order_by(F("date").desc(nulls_last=True), "-pk")[:4]
        )
        campaign_page = self.featured_campaign or (
            CampaignPage.objects.live().public().descendant_of(self).order_by("-first_published_at").first()
        )
        context["campaign_page"] = campaign_page
        context["counters"] = campaign_page.counters() if campaign_page else None
        context["library"] = DirectiveIndexPage.objects.live().descendant_of(self).first()
        context["news_index"] = ArticleIndexPage.objects.live().descendant_of(self).first()
        return context


class DirectiveIndexPage(PortalPage):
    """The library "Văn bản chỉ đạo điều hành", filtered by type, issuer, year and field."""

    intro = RichTextField(_("giới thiệu"), features=RICH_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.DirectivePage"]

    class Meta:
        verbose_name = _("thư viện văn bản chỉ đạo điều hành")

    FILTERS = {"loai": "doc_type", "co-quan": "issuer", "nam": "issued_date__year", "linh-vuc": "field"}

    def directives(self):
        return DirectivePage.objects.live().public().child_of(self).order_by("-issued_date", "-pk")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        directives = self.directives()
        all_directives = directives
        selected = {}
        for param, lookup in self.FILTERS.items():
            value = request.GET.get(param, "").strip()[:200]
            if param == "nam" and not value.isdigit():
                value = ""
            if value:
                selected[param.replace("-", "_")] = value
                directives = directives.filter(**{lookup: value})
        context["selected"] = selected
        context["options"] = {
            "loai": sorted(set(all_directives.values_list("doc_type", "doc_type_name")), key=lambda x: x[1]),
            "co_quan": sorted(set(all_directives.values_list("issuer", flat=True))),
            "nam": sorted({d.year for d in all_directives.values_list("issued_date", flat=True)}, reverse=True),
            "linh_vuc": sorted(set(all_directives.exclude(field="").values_list("field", flat=True))),
        }
        context["page_obj"] = paginate(request, directives.select_related("document"))
        return context


class DirectivePage(PortalPage):
    """A directive or dispatch (văn bản chỉ đạo điều hành), with its signed PDF and verification link."""

    source_key = models.CharField(
        _("nguồn"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Văn bản đi đã phát hành từ quy trình, ví dụ dispatch:42."),
    )
    number = models.CharField(_("số, ký hiệu"), max_length=100, db_index=True)
    doc_type = models.SlugField(_("mã loại văn bản"), max_length=50, default="cong-van")
    doc_type_name = models.CharField(_("loại văn bản"), max_length=100, default="Công văn")
    issued_date = models.DateField(_("ngày ban hành"), db_index=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255)
    signer_name = models.CharField(_("người ký"), max_length=200)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)
    subject = models.TextField(_("trích yếu"))
    field = models.CharField(_("lĩnh vực"), max_length=100, blank=True, db_index=True)
    body = RichTextField(_("toàn văn"), features=RICH_FEATURES, blank=True)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("bản PDF đã ký"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification_url = models.CharField(
        _("đường dẫn xác thực"), max_length=500, blank=True, help_text=_("Trang xác thực chữ ký số của văn bản.")
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("number"), FieldPanel("issued_date")]),
                FieldRowPanel([FieldPanel("doc_type_name"), FieldPanel("doc_type")]),
                FieldPanel("issuer"),
                FieldRowPanel([FieldPanel("signer_name"), FieldPanel("signer_title")]),
                FieldPanel("field"),
            ],
            heading=_("Thông tin văn bản"),
        ),
        FieldPanel("subject"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("document"), FieldPanel("verification_url")], heading=_("Bản ký số")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("number", boost=5),
        index.SearchField("subject", boost=2),
        index.SearchField("body"),
        index.AutocompleteField("number"),
        index.FilterField("issued_date"),
        index.FilterField("doc_type"),
        index.FilterField("field"),
    ]
    parent_page_types = ["cms.DirectiveIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("văn bản chỉ đạo điều hành")
        verbose_name_plural = _("văn bản chỉ đạo điều hành")

    def search_document(self) -> dict[str, Any]:
        keywords = " ".join([self.number, self.doc_type_name, self.issuer, self.signer_name, self.subject, self.field])
        return {
            "keywords": keywords,
            "body": html_text(self.body),
            "date": self.issued_date,
            "number": self.number,
            "designation": f"{self.doc_type_name} {self.number}",
        }

    @property
    def summary(self) -> str:
        return self.subject

    @property
    def display_date(self) -> date:
        return self.issued_date


class ArticleIndexPage(PortalPage):
    intro = RichTextField(_("giới thiệu"), features=RICH_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ArticlePage"]

    class Meta:
        verbose_name = _("danh mục tin bài")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.live().public().child_of(self).order_by(F("date").desc(nulls_last=True), "-pk")
        kind = request.GET.get("loai", "")
        if kind in ArticlePage.Kind.values:
            articles = articles.filter(kind=kind)
        context["kind"] = kind
        context["kinds"] = ArticlePage.Kind.choices
        context["page_obj"] = paginate(request, articles.select_related("image"))
        return context


class ArticlePage(PortalPage):
    """News or guidance."""

    class Kind(models.TextChoices):
        NEWS = "news", _("Tin tức")
        GUIDANCE = "guidance", _("Hướng dẫn")

    kind = models.CharField(_("loại bài"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    date = models.DateField(
        _("ngày đăng"), null=True, blank=True, db_index=True, help_text=_("Để trống nếu nguồn không ghi ngày.")
    )
    intro = models.TextField(_("tóm tắt"), blank=True)
    author = models.CharField(_("tác giả"), max_length=200, blank=True)
    source = models.CharField(_("nguồn"), max_length=255, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("ảnh đại diện"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(_("mô tả ảnh"), max_length=255, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("nội dung"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("date")]),
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("author"), FieldPanel("source")]),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("Ảnh đại diện")),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro", boost=2),
        index.SearchField("body"),
        index.FilterField("date"),
        index.FilterField("kind"),
    ]
    parent_page_types = ["cms.ArticleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("tin bài / hướng dẫn")
        verbose_name_plural = _("tin bài / hướng dẫn")

    def search_document(self) -> dict[str, Any]:
        return {
            "keywords": " ".join([self.intro, self.author, self.source]),
            "body": stream_text(self.body),
            "date": self.date,
            "number": "",
        }

    @property
    def summary(self) -> str:
        return self.intro or self.search_description

    @property
    def display_date(self) -> date | None:
        return self.date or (self.first_published_at.date() if self.first_published_at else None)


class CampaignPage(PortalPage):
    """The public face of a pledge campaign: live counters and the searchable list of signatories."""

    campaign = models.ForeignKey(
        "pledges.Campaign",
        verbose_name=_("chiến dịch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    campaign_slug = models.SlugField(
        _("mã chiến dịch"),
        max_length=100,
        blank=True,
        help_text=_("Dùng khi chưa chọn chiến dịch: trang tự liên kết với chiến dịch có mã này khi nó được tạo."),
    )
    intro = models.TextField(_("giới thiệu"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("nội dung"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("campaign"), FieldPanel("campaign_slug")], heading=_("Chiến dịch")),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("trang chiến dịch ký cam kết")

    def get_campaign(self):
        if self.campaign_id:
            return self.campaign
        if self.campaign_slug:
            campaign_model = self._meta.get_field("campaign").related_model
            return campaign_model.objects.filter(slug=self.campaign_slug).first()
        return None

    def counters(self):
        campaign = self.get_campaign()
        return campaign_counters(campaign) if campaign else None

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        campaign = self.get_campaign()
        query = request.GET.get("q", "").strip()[:100]
        context["campaign"] = campaign
        context["query"] = query
        if campaign:
            context["counters"] = campaign_counters(campaign)
            context["page_obj"] = paginate(request, public_signatories(campaign, query=query), per_page=50)
        return context

    def search_document(self) -> dict[str, Any]:
        return {"keywords": self.intro, "body": stream_text(self.body), "date": None, "number": ""}

    @property
    def summary(self) -> str:
        return self.intro or self.search_description


class StandardPage(PortalPage):
    """A plain page (e.g. what may not be sent by post)."""

    intro = models.TextField(_("giới thiệu"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("nội dung"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("trang thông tin")

    def search_document(self) -> dict[str, Any]:
        return {"keywords": self.intro, "body": stream_text(self.body), "date": None, "number": ""}

    @property
    def summary(self) -> str:
        return self.intro or self.search_description


class SearchEntry(models.Model):
    """The portal's accent-insensitive search index: one row per live public page, text folded (see cms.text)."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, primary_key=True, related_name="+")
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    date = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=100)
    number_key = models.CharField(max_length=100, blank=True, db_index=True)
    # type and number, e.g. "chi thi 28 ct btttt": "chi thi 28" names this document before any that cites it.
    designation_key = models.CharField(max_length=200, blank=True)
    title_key = models.TextField()
    keywords_key = models.TextField(blank=True)
    # " " + title + keywords + body + " ", folded: a word-prefix match is `contains(" " + word)`.
    text_key = models.TextField()

    class Meta:
        verbose_name = _("mục tìm kiếm")
        verbose_name_plural = _("mục tìm kiếm")

    def __str__(self) -> str:
        return self.title
