from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from cms.selectors import parse_query, search_entries
from cms.text import highlight, snippet

RESULTS_PER_PAGE = 10


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    parsed = parse_query(query)
    page_obj = None
    results = []
    if parsed.terms:
        page_obj = Paginator(search_entries(parsed).select_related("page"), RESULTS_PER_PAGE).get_page(
            request.GET.get("trang")
        )
        for entry in page_obj:
            text = entry.summary if _matches(entry.summary, parsed.terms) else entry.body or entry.summary
            results.append(
                {
                    "url": entry.page.get_url(request),
                    "title": highlight(entry.title, parsed.terms),
                    "kind": entry.kind,
                    "date": entry.date,
                    "snippet": highlight(snippet(text, parsed.terms), parsed.terms),
                }
            )
    response = render(
        request, "cms/search.html", {"query": query, "page_obj": page_obj, "results": results, "terms": parsed.terms}
    )
    response.vanthu_cache = True
    return response


def _matches(text: str, terms: list[str]) -> bool:
    return bool(text) and "<mark>" in highlight(text, terms)


@require_GET
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language by a plain link (cacheable pages carry no CSRF token for a form)."""
    lang = request.GET.get("lang", "")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if lang in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /workflow/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
