"""Whole-response cache for anonymous readers of the public portal.

Only responses that opt in (`response.vanthu_cache = True`: portal pages, search, feeds) are stored, and only
for requests without a session cookie or credentials and responses that set no cookie, so nothing personal is ever shared. Keys carry a
generation number that `cms.services.invalidate_page_cache` bumps on every publish/unpublish/move/delete and on
changes to the agency settings, documents and campaign figures. With several app servers, set CACHE_URL to a
shared cache (Redis) so an invalidation reaches all of them.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_request

from cms.services import page_cache_generation

CACHE_HEADER = "X-Vanthu-Cache"
# Cookies that cannot make a page personal (the language is part of the key). Any other cookie (session,
# messages) means the reader may be logged in or shown something of their own: no cache.
_NEUTRAL_COOKIES = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


def _cache_key(request: HttpRequest) -> str | None:
    if request.method not in ("GET", "HEAD"):
        return None
    if set(request.COOKIES) - _NEUTRAL_COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return None
    path = request.get_full_path()
    if path.startswith(("/admin/", "/django-admin/", "/static/", "/media/", "/documents/")):
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # the normal stack answers 400
    raw = f"{host}|{path}|{get_language_from_request(request)}"
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"cms:page:{page_cache_generation()}:{digest}"


class PageCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.timeout = settings.CMS_PAGE_CACHE_SECONDS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = _cache_key(request) if self.timeout else None
        if key is not None:
            cached = cache.get(key)
            if cached is not None:
                content, headers = cached
                response = HttpResponse(content, headers=headers)
                response[CACHE_HEADER] = "hit"
                return response
        response = self.get_response(request)
        if (
            key is not None
            and getattr(response, "vanthu_cache", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            cache.set(key, (response.content, dict(response.items())), self.timeout)
            response[CACHE_HEADER] = "miss"
        return response
