"""`{% staff_nav %}`: the staff frame's navigation bar, with the count of what waits for the user."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from workflows.workspace import selectors

register = template.Library()

# (URL name, label); an entry whose URL is not mounted (yet) is left out rather than failing the page.
_LINKS = (
    ("dispatch:tasks", _("Văn bản đi")),
    ("incoming:list", _("Văn bản đến")),
    ("pledges:campaigns", _("Chiến dịch cam kết")),
    ("signing:verify", _("Xác minh")),
)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@register.inclusion_tag("workspace/_nav.html", takes_context=True)
def staff_nav(context) -> dict:
    request = context["request"]
    path = request.path
    mine = reverse("workspace:mine")
    links = [{"url": mine, "label": _("Việc của tôi"), "current": path == mine}]
    for batch in context.get("batch_links") or selectors.batch_links_for(request.user):
        links.append({**batch, "current": path == batch["url"]})
    for name, label in _LINKS:
        url = _url(name)
        if url:
            here = path.startswith(url) and not any(link["current"] for link in links)
            links.append({"url": url, "label": label, "current": here})
    return {
        "links": links,
        "count": len(context["items"]) if "items" in context else len(selectors.work_for(request.user)),
        "user": request.user,
        "password_url": reverse("password_change"),
    }
