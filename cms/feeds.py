"""RSS and Atom feeds of the latest directives and news."""

from datetime import date, datetime, time

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from cms.models import ArticlePage, DirectivePage

FEED_SIZE = 30


class LatestFeed(Feed):
    title = _("Văn bản chỉ đạo điều hành và tin tức")
    description = _("Văn bản chỉ đạo điều hành, tin tức và hướng dẫn mới nhất.")
    link = "/"

    def __call__(self, request, *args, **kwargs):
        self.request = request
        response = super().__call__(request, *args, **kwargs)
        response.vanthu_cache = True
        return response

    def items(self):
        directives = DirectivePage.objects.live().public().order_by("-issued_date", "-pk")[:FEED_SIZE]
        articles = ArticlePage.objects.live().public().order_by("-date", "-pk")[:FEED_SIZE]
        items = [*directives, *articles]
        items.sort(key=lambda p: (p.display_date or date.min, p.pk), reverse=True)
        return items[:FEED_SIZE]

    def item_title(self, item) -> str:
        if isinstance(item, DirectivePage):
            return f"{item.doc_type_name} {item.number}: {item.title}"
        return item.title

    def item_description(self, item) -> str:
        return item.summary

    def item_link(self, item) -> str:
        return self.request.build_absolute_uri(item.get_url(self.request))

    def item_guid(self, item) -> str:
        return f"vanthu-page-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item) -> datetime:
        return timezone.make_aware(datetime.combine(item.display_date or date.today(), time(8, 0)))

    def item_updateddate(self, item) -> datetime:
        return item.last_published_at or self.item_pubdate(item)

    def item_categories(self, item):
        if isinstance(item, DirectivePage):
            return [item.doc_type_name, *([item.field] if item.field else [])]
        return [item.get_kind_display()]


class LatestAtomFeed(LatestFeed):
    feed_type = Atom1Feed
    subtitle = LatestFeed.description
