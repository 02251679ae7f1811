"""Wagtail admin: the trust store — list its certificates, import a CA bundle, disable or enable an entry."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from signing.forms import TrustBundleForm
from signing.models import TrustedCertificate
from signing.trust import store

MANAGE = "signing.change_trustedcertificate"


def _require(request) -> None:
    if not request.user.has_perm(MANAGE):
        raise PermissionDenied


def _index(request, form: TrustBundleForm, *, status: int = 200):
    entries = TrustedCertificate.objects.defer("der").order_by("-enabled", "role", "subject_cn")
    return render(request, "signing/admin/trust_store.html", {"entries": entries, "form": form}, status=status)


def index(request):
    _require(request)
    return _index(request, TrustBundleForm())


@require_POST
def import_bundle(request):
    _require(request)
    form = TrustBundleForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imported = store.import_bundle(data=upload.read(), filename=upload.name, user=request.user)
        except store.TrustStoreError as exc:
            form.add_error("file", exc.user_message)
        else:
            names = ", ".join(obj.subject_cn for obj in imported)
            messages.success(
                request, _("Đã nhập %(count)s chứng thư: %(names)s.") % {"count": len(imported), "names": names}
            )
            return redirect("signing_trust_admin:index")
    return _index(request, form, status=400)


@require_POST
def toggle(request, pk: int):
    _require(request)
    entry = get_object_or_404(TrustedCertificate, pk=pk)
    enable = request.POST.get("enabled") == "1"
    store.set_enabled(sha256=entry.sha256, enabled=enable, user=request.user)
    if enable:
        messages.success(request, _("Đã dùng lại “%(name)s”.") % {"name": entry.subject_cn})
    else:
        messages.success(
            request,
            _("Đã ngừng dùng “%(name)s”: chữ ký chỉ dựa vào chứng thư này sẽ không còn được tin cậy.")
            % {"name": entry.subject_cn},
        )
    return redirect("signing_trust_admin:index")
