"""Public verification pages (no login) and, in development only, the PKI's HTTP services."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from signing import selectors, services
from signing.forms import VerifyUploadForm

log = logging.getLogger(__name__)


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    # a little room for the multipart envelope around the file
    return length > settings.VANTHU_MAX_UPLOAD_BYTES + 64 * 1024


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload any PDF and see the verdict of every signature in it."""
    limit_mb = settings.VANTHU_MAX_UPLOAD_BYTES // (1024 * 1024)
    if request.method == "POST":
        if _too_large(request):
            # refused before Django parses (or stores) the body
            context = {
                "form": VerifyUploadForm(),
                "limit_mb": limit_mb,
                "error": _("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": limit_mb},
            }
            return render(request, "signing/verify.html", context, status=413)
        form = VerifyUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            report = services.validate_pdf(data, fetch=settings.SIGNING_FETCH_FOR_UPLOADS)
            context = selectors.verdict_context(report)
            context.update(form=VerifyUploadForm(), limit_mb=limit_mb, filename=form.cleaned_data["file"].name)
            return render(request, "signing/verify.html", context)
        return render(request, "signing/verify.html", {"form": form, "limit_mb": limit_mb}, status=400)
    return render(request, "signing/verify.html", {"form": VerifyUploadForm(), "limit_mb": limit_mb})


def record(request: HttpRequest, code: str) -> HttpResponse:
    """The QR target: the issued record and the verdict of its latest revision."""
    latest = selectors.latest_issued(code)
    if latest is None:
        raise Http404(_("Không có văn bản nào với mã xác thực này."))
    try:
        data = services.read_issued(latest)
    except OSError:
        log.error("issued revision %s of %s is missing from storage", latest.sha256, code)
        data = b""
    report = services.validate_pdf(data, max_bytes=2**40)
    context = selectors.verdict_context(report, issued=latest)
    context.update(code=code, revisions=selectors.issued_revisions(code))
    return render(request, "signing/record.html", context)


# --- development PKI over HTTP (OCSP, CRL, TSA, root) ------------------------------------------------
def _dev_pki_or_404():
    pki = services.dev_pki()
    if pki is None:
        raise Http404("development PKI disabled")
    return pki


@csrf_exempt
@require_http_methods(["POST"])
def dev_ocsp(request: HttpRequest) -> HttpResponse:
    from signing.revocation import dev_revocation

    pki = _dev_pki_or_404()
    try:
        answer = dev_revocation(pki.dir).ocsp_answer(request.body[:65536])
    except ValueError:
        return HttpResponse(status=400)
    return HttpResponse(answer, content_type="application/ocsp-response")


def dev_crl(request: HttpRequest, ca: str) -> HttpResponse:
    from signing.revocation import dev_revocation

    pki = _dev_pki_or_404()
    try:
        data = dev_revocation(pki.dir).crl(ca)
    except KeyError:
        raise Http404(ca) from None
    return HttpResponse(data, content_type="application/pkix-crl")


@csrf_exempt
@require_http_methods(["POST"])
def dev_tsa(request: HttpRequest) -> HttpResponse:
    from asn1crypto import tsp

    _dev_pki_or_404()
    try:
        req = tsp.TimeStampReq.load(request.body[:65536])
        req.native  # noqa: B018 - forces a full parse of the request
    except ValueError:
        return HttpResponse(status=400)
    response = services.dev_timestamp_response(req)
    return HttpResponse(response.dump(), content_type="application/timestamp-reply")


def dev_root(request: HttpRequest) -> HttpResponse:
    pki = _dev_pki_or_404()
    return HttpResponse(pki.cert_path("root").read_bytes(), content_type="application/x-pem-file")


def dev_ca_cert(request: HttpRequest, ca: str) -> HttpResponse:
    """A CA certificate in DER, the caIssuers URL of the certificates it issued (AIA)."""
    pki = _dev_pki_or_404()
    if ca not in pki.ca_names():
        raise Http404(ca)
    return HttpResponse(pki.ca_cert_der(ca), content_type="application/pkix-cert")
