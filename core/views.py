from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import render, resolve_url
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import reauth, second_factor
from core.forms import CodeForm, EnrolForm, ReauthPasswordForm
from core.roles import Role, has_role


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Load-balancer probe: the app answers and its database does."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "take me out of the pool"
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says."""
    return HttpResponsePermanentRedirect(static("core/favicon.svg"))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a login lands: a carrier on its own pages, staff on their work."""
    if has_role(request.user, Role.CARRIER) and not request.user.is_staff:
        return HttpResponseRedirect(resolve_url(settings.VANTHU_CARRIER_HOME))
    return HttpResponseRedirect(resolve_url(settings.VANTHU_STAFF_HOME))


@never_cache
@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Prove who you are again before signing or sealing (the authenticator's code if you have one, else the
    password); then back to `next`."""
    next_url = reauth.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    with_code = second_factor.has_second_factor(request.user)
    form = (CodeForm if with_code else ReauthPasswordForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if with_code:
            if second_factor.verify_code(request=request, token=form.cleaned_data["code"]):
                return HttpResponseRedirect(next_url)
            form.add_error("code", _("Mã không đúng hoặc đã dùng. Hãy nhập mã mới trong ứng dụng."))
        elif reauth.verify_password(request, password=form.cleaned_data["password"]):
            return HttpResponseRedirect(next_url)
        else:
            form.add_error("password", _("Mật khẩu không đúng."))
    return render(
        request,
        "core/reauth.html",
        {
            "form": form,
            "with_code": with_code,
            "next": next_url,
            "minutes": max(1, settings.VANTHU_REAUTH_SECONDS // 60),
        },
    )


@never_cache
@login_required
def second_factor_code(request: HttpRequest) -> HttpResponse:
    """After the password: the code of the authenticator app (or a recovery code)."""
    next_url = reauth.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not second_factor.needs_code(request):
        return HttpResponseRedirect(next_url)
    if not second_factor.has_second_factor(request.user):
        return HttpResponseRedirect(f"{reverse('core:enrol')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.verify_code(request=request, token=form.cleaned_data["code"]):
            if second_factor.remaining_recovery_codes(request.user) <= 2:
                messages.warning(request, _("Bạn sắp hết mã dự phòng: hãy tạo bộ mã mới."))
            return HttpResponseRedirect(next_url)
        form.add_error("code", _("Mã không đúng hoặc đã dùng. Hãy nhập mã mới trong ứng dụng."))
    return render(request, "core/second_factor.html", {"form": form, "next": next_url})


@never_cache
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """First login of a user who needs a second factor: scan the QR code, type the first code, keep the
    recovery codes. A user who already has an authenticator cannot enrol another one here."""
    next_url = reauth.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if second_factor.has_second_factor(request.user):
        return HttpResponseRedirect(f"{reverse('core:second_factor')}?{urlencode({'next': next_url})}")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = second_factor.confirm_enrolment(request=request, token=form.cleaned_data["code"])
        if enrolled is not None:
            return render(request, "core/recovery_codes.html", {"codes": enrolled.recovery_codes, "next": next_url})
        form.add_error("code", _("Mã không đúng. Kiểm tra giờ của điện thoại rồi nhập mã đang hiện."))
    device = second_factor.pending_enrolment(user=request.user)
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": second_factor.qr_svg(device),
        "manual_key": second_factor.manual_key(device),
    }
    return render(request, "core/enrol.html", context)


@never_cache
@login_required
@reauth.require_recent_authentication
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes (the old ones stop working), shown once."""
    if not second_factor.has_second_factor(request.user):
        return HttpResponseRedirect(reverse("core:enrol"))
    if request.method == "POST":
        codes = second_factor.new_recovery_codes(user=request.user)
        return render(request, "core/recovery_codes.html", {"codes": codes, "next": reauth.safe_next(request, "")})
    return render(
        request, "core/recovery_codes_new.html", {"remaining": second_factor.remaining_recovery_codes(request.user)}
    )
