from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import reauth
from core.forms import ReauthPasswordForm


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Load-balancer probe: the app answers and its database does."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "take me out of the pool"
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@never_cache
@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Prove who you are again before signing or sealing; then back to `next`."""
    next_url = reauth.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = ReauthPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if reauth.verify_password(request, password=form.cleaned_data["password"]):
            return HttpResponseRedirect(next_url)
        form.add_error("password", _("Mật khẩu không đúng."))
    return render(
        request,
        "core/reauth.html",
        {"form": form, "next": next_url, "minutes": max(1, settings.VANTHU_REAUTH_SECONDS // 60)},
    )
