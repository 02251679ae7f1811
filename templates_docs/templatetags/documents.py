"""Template filters for text that names the agency: `{% load documents %}{{ org.agency|agency_in_text:org.place }}`."""

from django import template

from templates_docs.names import agency_in_text as _agency_in_text

register = template.Library()


@register.filter
def agency_in_text(name: str, place: str = "") -> str:
    """ "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" as written inside a sentence: "Sở Thông tin và Truyền thông"."""
    return _agency_in_text(str(name or ""), place=str(place or ""))
