import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _

from core import auth_events, second_factor
from core.audit import log_action


class WorkflowLoginRedirectMiddleware:
    """Viewflow's frontend (/workflow/) serves only the step forms, which are ours and in Vietnamese: an anonymous
    visitor is sent to log in, and every other page of it (viewflow's own inbox, queue, archive, process and task
    pages, in English) sends a signed-in user to their work list (VANTHU_STAFF_HOME) instead. The break-glass
    superuser keeps them: undoing a step or cancelling a process is done there, by an operator, not by staff."""

    prefix = "/workflow/"
    forms = ("/execute/", "/start/")  # a task's form, a flow's start form

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.prefix):
            if not request.user.is_authenticated:
                login_url = resolve_url(settings.LOGIN_URL)
                return HttpResponseRedirect(f"{login_url}?next={quote(request.get_full_path())}")
            if not request.path.endswith(self.forms) and not request.user.is_superuser:
                return HttpResponseRedirect(resolve_url(settings.VANTHU_STAFF_HOME))
        return self.get_response(request)


def _exempt(request: HttpRequest) -> bool:
    path = request.path
    static = (settings.STATIC_URL or "/static/", settings.MEDIA_URL or "/media/")
    if path.startswith(static) or path.startswith(("/i18n/", "/healthz")):
        return True
    return path in (reverse("core:second_factor"), reverse("core:enrol"), reverse("logout"))


class SecondFactorMiddleware:
    """After the password, every page stays closed to a user who needs a second factor until they give a code
    (or, the first time, enrol an authenticator app). Wagtail's and Django's admin sites included."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _exempt(request) and second_factor.needs_code(request):
            page = "core:second_factor" if second_factor.has_second_factor(request.user) else "core:enrol"
            return HttpResponseRedirect(f"{reverse(page)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


LAST_SEEN_KEY = auth_events.LAST_SEEN_KEY


class IdleTimeoutMiddleware:
    """A signed-in session idle for VANTHU_STAFF_IDLE_SECONDS is logged out; a carrier's pledge access unlocked
    by OTP (the session keys in VANTHU_CARRIER_SESSION_KEYS) is dropped after VANTHU_CARRIER_IDLE_SECONDS."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        carrier_keys = [key for key in settings.VANTHU_CARRIER_SESSION_KEYS if key in session]
        if request.user.is_authenticated:
            limit = settings.VANTHU_STAFF_IDLE_SECONDS
        elif carrier_keys:
            limit = settings.VANTHU_CARRIER_IDLE_SECONDS
        else:
            return self.get_response(request)
        now = time.time()
        last_seen = session.get(LAST_SEEN_KEY)
        if isinstance(last_seen, int | float) and now - last_seen > limit:
            return self._expired(request, carrier_keys)
        session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _expired(self, request: HttpRequest, carrier_keys: list[str]) -> HttpResponse:
        if request.user.is_authenticated:
            log_action("core.session.idle_timeout", {"seconds": settings.VANTHU_STAFF_IDLE_SECONDS}, request.user)
            logout(request)
            messages.info(request, _("Phiên làm việc đã hết hạn vì lâu không thao tác. Hãy đăng nhập lại."))
            login_url = resolve_url(settings.LOGIN_URL)
            return HttpResponseRedirect(f"{login_url}?next={quote(request.get_full_path())}")
        for key in carrier_keys:
            request.session.pop(key, None)
        request.session.pop(LAST_SEEN_KEY, None)
        log_action("core.session.idle_timeout", {"seconds": settings.VANTHU_CARRIER_IDLE_SECONDS, "carrier": True})
        return render(request, "core/session_expired.html", status=401)
