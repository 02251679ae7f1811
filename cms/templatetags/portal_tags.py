from django import template
from django.core.cache import cache
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from cms.services import navigation_generation

register = template.Library()


@register.inclusion_tag("cms/includes/nav.html", takes_context=True)
def portal_nav(context):
    """The home page's live children marked "show in menus", plus the verification page; cached until a page
    is published, unpublished, moved or deleted."""
    request = context.get("request")
    current = context.get("page")
    key = f"cms:nav:{navigation_generation()}:{request.get_host() if request else ''}"
    items = cache.get(key)
    if items is None:
        site = Site.find_for_request(request) if request else Site.objects.filter(is_default_site=True).first()
        items = []
        if site is not None:
            root = site.root_page
            items.append({"title": _("Trang chủ"), "url": root.get_url(request), "path": root.path})
            for child in Page.objects.child_of(root).live().public().in_menu():
                items.append({"title": child.title, "url": child.get_url(request), "path": child.path})
        items.append({"title": _("Xác thực văn bản"), "url": "/xac-thuc/", "path": ""})
        cache.set(key, items, 600)
    current_path = getattr(current, "path", "") if current else ""
    request_path = request.path if request else ""
    return {"items": [_mark_current(i, current_path, request_path) for i in items]}


def _mark_current(item: dict, current_path: str, request_path: str) -> dict:
    if item["path"]:
        is_root = len(item["path"]) <= 8
        current = current_path == item["path"] if is_root else current_path.startswith(item["path"])
    else:
        current = request_path.startswith(item["url"])
    return item | {"current": current}


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination links keep the filters)."""
    params = context["request"].GET.copy()
    for name, value in changes.items():
        params[name] = value
    return "?" + params.urlencode()
