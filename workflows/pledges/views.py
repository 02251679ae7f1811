"""Thin views. Carrier pages load only the pledge this visitor unlocked; staff pages need campaign permissions."""

from __future__ import annotations

import hashlib
import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.audit import log_action
from core.downloads import file_response
from core.files import store_file
from core.models import StoredFile
from templates_docs.errors import ConversionError
from templates_docs.previews import cached_page_count, cached_page_image
from workflows.pledges import registry, reports, selectors
from workflows.pledges.errors import PledgeError
from workflows.pledges.forms import (
    CampaignForm,
    CorrectionForm,
    DeclineForm,
    ImportForm,
    OtpForm,
    Pkcs12Form,
    SimpleSignForm,
    UploadForm,
)
from workflows.pledges.models import Campaign, Carrier, CorrectionRequest, OtpChallenge, OutgoingEmail, Pledge
from workflows.pledges.services import answers, invitations
from workflows.pledges.services.campaigns import close_campaign, may_reopen, reopen_campaign, start_campaign
from workflows.pledges.services.carriers import apply_import, handle_correction, request_correction
from workflows.pledges.services.invitations import client_address
from workflows.pledges.services.issuance import default_pledge_body
from workflows.pledges.services.otp import mask_email, send_otp

# --- carrier pages -----------------------------------------------------------------------------


def invitation(request, token: str):
    """The one-time link: prove control of the registered e-mail with an OTP, then open the pledge."""
    try:
        pledge = invitations.pledge_for_token(token=token)
    except PledgeError as exc:
        return render(request, "pledges/carrier/link_error.html", {"message": exc.message}, status=410)
    form = OtpForm()
    if request.method == "POST" and request.POST.get("action") == "send":
        # A refusal (too soon, too many) is a message on the page: the code form was not submitted.
        try:
            send_otp(pledge=pledge, purpose=OtpChallenge.Purpose.ACCESS, client=client_address(request))
        except PledgeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã gửi mã tới %(to)s.") % {"to": mask_email(pledge.carrier.email)})
        return redirect("pledges:invitation", token=token)
    if request.method == "POST":
        form = OtpForm(request.POST)
        if form.is_valid():
            try:
                pledge = invitations.verify_access(request=request, pledge=pledge, code=form.cleaned_data["code"])
            except PledgeError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("pledges:pledge", public_id=pledge.public_id)
    context = {
        "pledge": pledge,
        "form": form,
        "code_sent": pledge.otp_challenges.filter(
            purpose=OtpChallenge.Purpose.ACCESS, consumed_at__isnull=True
        ).exists(),
        "masked_email": mask_email(pledge.carrier.email),
    }
    return render(request, "pledges/carrier/invitation.html", context)


logger = logging.getLogger(__name__)


def carrier_pledge(view):
    """Load the pledge named in the URL only if this visitor may act on it; anyone else gets 404."""

    @wraps(view)
    def wrapper(request, public_id, *args, **kwargs):
        pledge = selectors.visible_pledge(request=request, public_id=public_id)
        if pledge is None:
            raise Http404(_("Không tìm thấy bản cam kết."))
        return view(request, pledge, *args, **kwargs)

    return wrapper


@carrier_pledge
def pledge_detail(request, pledge: Pledge):
    context = {
        "pledge": pledge,
        "carrier": pledge.carrier,
        "open_corrections": pledge.corrections.filter(status=CorrectionRequest.Status.OPEN),
        "can_answer": pledge.status == Pledge.Status.PENDING and invitations.campaign_open(pledge),
        "pages": _issued_pages(pledge),
    }
    return render(request, "pledges/carrier/pledge.html", context)


@carrier_pledge
def pledge_state(request, pledge: Pledge):
    """What the carrier's page polls while the department countersigns: it reloads once the files are ready."""
    response = JsonResponse({"status": pledge.status, "countersigned": pledge.countersigned_at is not None})
    response["Cache-Control"] = "no-store"
    return response


def _submitted(request) -> tuple:
    """A form's data and files: bound on every POST, an empty one included (`request.POST or None` would leave
    an empty submit unbound, so it would fail silently instead of saying which field is missing)."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def pending_pledge(view):
    """`carrier_pledge` for a page that answers the pledge: once it is no longer pending, back to the pledge."""

    @carrier_pledge
    @wraps(view)
    def wrapper(request, pledge: Pledge, *args, **kwargs):
        if pledge.status != Pledge.Status.PENDING or not invitations.campaign_open(pledge):
            messages.info(request, _("Bản cam kết không còn chờ ký."))
            return redirect("pledges:pledge", public_id=pledge.public_id)
        return view(request, pledge, *args, **kwargs)

    return wrapper


def _answer_page(request, pledge: Pledge, form, template: str, answer, arguments):
    """One way of answering: on a valid POST the service `answer` (with what `arguments` takes from the form),
    then back to the pledge; a refusal is shown on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            outcome = answer(
                pledge=pledge, user=request.user, client=client_address(request), **arguments(form.cleaned_data)
            )
        except PledgeError as exc:
            form.add_error(None, exc.message)
        else:
            if outcome.already:
                messages.info(request, _("Bản cam kết đã được trả lời trước đó; không ký lại."))
            return redirect("pledges:pledge", public_id=pledge.public_id)
    return render(request, template, {"pledge": pledge, "form": form})


@pending_pledge
def sign_simple(request, pledge: Pledge):
    if request.method != "POST":
        form = SimpleSignForm(initial={"typed_name": ""})
    elif request.POST.get("action") == "send":
        try:
            send_otp(pledge=pledge, purpose=OtpChallenge.Purpose.SIGN, client=client_address(request))
            messages.success(request, _("Đã gửi mã tới %(to)s.") % {"to": mask_email(pledge.carrier.email)})
        except PledgeError as exc:
            messages.error(request, exc.message)
        form = SimpleSignForm(initial={"typed_name": request.POST.get("typed_name", "")})
    else:
        form = SimpleSignForm(request.POST)
    return _answer_page(
        request,
        pledge,
        form,
        "pledges/carrier/sign_simple.html",
        answers.sign_simple,
        lambda data: {"typed_name": data["typed_name"], "signature_png": data["signature"], "code": data["code"]},
    )


@pending_pledge
def sign_pkcs12(request, pledge: Pledge):
    form = Pkcs12Form(*_submitted(request))

    def certificate(data):
        # read up to one byte past the service's limit, so that a larger file is refused, not cut
        return {"pkcs12": data["certificate"].read(64 * 1024 + 1), "password": data["password"]}

    return _answer_page(
        request, pledge, form, "pledges/carrier/sign_pkcs12.html", answers.sign_with_pkcs12, certificate
    )


@pending_pledge
def upload_signed(request, pledge: Pledge):
    form = UploadForm(*_submitted(request))

    def signed(data):
        return {"data": data["signed_pdf"].read()}

    return _answer_page(request, pledge, form, "pledges/carrier/upload.html", answers.accept_upload, signed)


@pending_pledge
def decline(request, pledge: Pledge):
    form = DeclineForm(*_submitted(request))

    def reason(data):
        return {"reason": data["reason"]}

    return _answer_page(request, pledge, form, "pledges/carrier/decline.html", answers.decline, reason)


@carrier_pledge
def correction(request, pledge: Pledge):
    carrier = pledge.carrier
    initial = {f: getattr(carrier, f) for f in registry.FIELDS if f != "kind"}
    form = CorrectionForm(*_submitted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        note = data.pop("note", "")
        try:
            request_correction(pledge=pledge, changes=data, note=note, user=request.user)
        except PledgeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Đã gửi đề nghị sửa thông tin tới Sở. Thông tin được cập nhật sau khi Sở duyệt.")
            )
            return redirect("pledges:pledge", public_id=pledge.public_id)
    return render(request, "pledges/carrier/correction.html", {"pledge": pledge, "form": form})


def _pdf_response(stored: StoredFile | None, filename: str):
    if stored is None:
        raise Http404(_("Tệp chưa có."))
    response = file_response(stored.file.open("rb"), filename=filename, content_type="application/pdf")
    response["X-Content-SHA256"] = stored.sha256
    return response


def _issued_pages(pledge: Pledge) -> list[int]:
    stored = pledge.issued_pdf
    if stored is None:
        return []
    try:
        return list(range(1, cached_page_count(sha256=stored.sha256, read=stored.read) + 1))
    except ConversionError:
        logger.warning("pledge %s: the issued PDF has no readable page count", pledge.pk)
        return []


@carrier_pledge
def page_image(request, pledge: Pledge, page: int):
    """A page of the pledge as a PNG: the text reads on a phone without a PDF viewer."""
    stored = pledge.issued_pdf
    if stored is None or page not in _issued_pages(pledge):
        raise Http404(_("Không có trang này."))
    try:
        image = cached_page_image(sha256=stored.sha256, read=stored.read, page=page)
    except ConversionError as exc:
        logger.warning("pledge %s page %s: %s", pledge.pk, page, exc)
        raise Http404(_("Không tạo được hình trang bản cam kết.")) from exc
    response = HttpResponse(image, content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@carrier_pledge
def download(request, pledge: Pledge, kind: str):
    if kind == "ban-cam-ket":
        return _pdf_response(pledge.issued_pdf, f"ban-cam-ket-{pledge.public_id}.pdf")
    if kind == "da-ky":
        stored = pledge.countersigned_pdf or pledge.signed_pdf
        return _pdf_response(stored, f"ban-cam-ket-da-ky-{pledge.public_id}.pdf")
    if kind == "giay-chung-nhan":
        return _pdf_response(pledge.certificate_pdf, f"giay-chung-nhan-{pledge.public_id}.pdf")
    raise Http404


@login_required
def my_pledges(request):
    pledges = Pledge.objects.filter(carrier__users=request.user).select_related("campaign", "carrier")
    return render(request, "pledges/carrier/my_pledges.html", {"pledges": pledges})


# --- staff pages -------------------------------------------------------------------------------

staff_required = permission_required("pledges.change_campaign", raise_exception=True)
viewer_required = permission_required("pledges.view_campaign", raise_exception=True)


@login_required
@viewer_required
def campaigns(request):
    return render(
        request,
        "pledges/staff/campaigns.html",
        {"campaigns": Campaign.objects.all(), "open_corrections": CorrectionRequest.objects.filter(status="open")},
    )


@login_required
@permission_required("pledges.view_carrier", raise_exception=True)
def carriers(request):
    query = request.GET.get("q", "").strip()
    items = Carrier.objects.select_related("commune")
    if query:
        items = items.filter(name__icontains=query) | items.filter(tax_code__icontains=query)
    return render(request, "pledges/staff/carriers.html", {"carriers": items[:500], "query": query})


@login_required
@permission_required(["pledges.add_carrier", "pledges.change_carrier"], raise_exception=True)
def import_carriers(request):
    """Upload → preview (nothing written) → confirm (all rows in one transaction, or none)."""
    form = ImportForm()
    preview = None
    upload_id = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "apply":
                stored = get_object_or_404(StoredFile, sha256=request.POST.get("upload", ""))
                choices = {
                    int(key.removeprefix("commune_")): value
                    for key, value in request.POST.items()
                    if key.startswith("commune_") and key.removeprefix("commune_").isdigit()
                }
                try:
                    result = apply_import(
                        data=stored.read(), filename=stored.filename, user=request.user, choices=choices
                    )
                except PledgeError:
                    # shown again with what was chosen, and the rows still to choose
                    preview = registry.preview_import(data=stored.read(), filename=stored.filename, choices=choices)
                    upload_id = stored.sha256
                    raise
                messages.success(
                    request,
                    _("Đã nhập: %(new)d mới, %(changed)d cập nhật.")
                    % {"new": len(result.new), "changed": len(result.changed)},
                )
                return redirect("pledges:carriers")
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                data = upload.read()
                preview = registry.preview_import(data=data, filename=upload.name)
                upload_id = store_file(data, filename=upload.name).sha256
        except PledgeError as exc:
            if form.is_bound:
                form.add_error(None, exc.message)
            else:  # the confirmation step posts no file: the refusal is shown above the preview
                messages.error(request, exc.message)
    return render(request, "pledges/staff/import.html", {"form": form, "preview": preview, "upload": upload_id})


@login_required
@permission_required("pledges.view_carrier", raise_exception=True)
def export_carriers(request, fmt: str):
    if fmt == "xlsx":
        data, content_type = registry.export_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        data, content_type = registry.export_csv(), "text/csv; charset=utf-8"
    else:
        raise Http404
    return file_response(data, filename=f"danh-sach-doanh-nghiep.{fmt}", content_type=content_type)


@login_required
@permission_required("pledges.add_campaign", raise_exception=True)
def campaign_create(request):
    form = CampaignForm(*_submitted(request), initial={"pledge_body": default_pledge_body()})
    if request.method == "POST" and form.is_valid():
        campaign = form.save(commit=False)
        campaign.created_by = request.user
        campaign.save()
        form.save_m2m()
        log_action("workflows.pledges.campaign_created", {"title": campaign.title}, request.user, obj=campaign)
        return redirect("pledges:dashboard", slug=campaign.slug)
    return render(request, "pledges/staff/campaign_form.html", {"form": form})


@login_required
@staff_required
def campaign_edit(request, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(request, _("Chỉ sửa được chiến dịch chưa bắt đầu."))
        return redirect("pledges:dashboard", slug=slug)
    form = CampaignForm(*_submitted(request), instance=campaign)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("pledges:dashboard", slug=campaign.slug)
    return render(request, "pledges/staff/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
@viewer_required
def dashboard(request, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    status = request.GET.get("status", "")
    pledges = campaign.pledges.select_related("carrier__commune").order_by("carrier__commune__name", "carrier__name")
    if status:
        pledges = pledges.filter(status=status)
    context = {
        "campaign": campaign,
        "may_reopen": may_reopen(campaign),
        "totals": selectors.dashboard_totals(campaign),
        "communes": selectors.commune_summary(
            campaign, query=request.GET.get("xa", "").strip()[:100], sort=request.GET.get("sap_xep", "name")
        ),
        "by_kind": selectors.breakdown_by_kind(campaign),
        "pledges": pledges,
        "status_filter": status,
        "statuses": Pledge.Status.choices,
        "corrections": CorrectionRequest.objects.filter(pledge__campaign=campaign, status="open").select_related(
            "pledge__carrier"
        ),
        "failed_emails": OutgoingEmail.objects.filter(pledge__campaign=campaign, status="failed")[:50],
        "targets_count": selectors.campaign_targets(campaign).count() if campaign.status == "draft" else None,
    }
    return render(request, "pledges/staff/dashboard.html", context)


@login_required
@viewer_required
def dashboard_data(request, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    totals = selectors.dashboard_totals(campaign)
    return JsonResponse(
        {
            "status": campaign.status,
            "render_total": campaign.render_total,
            "render_done": campaign.render_done,
            "render_failed": campaign.render_failed,
            "signed": totals.signed,
            "pending": totals.pending,
            "declined": totals.declined,
            "bounced": totals.bounced,
            "by_commune": [r.__dict__ for r in selectors.breakdown_by_commune(campaign)],
        }
    )


def _confirmed(request) -> bool:
    """An irreversible action acts only on the second POST, the one that carries the confirmation."""
    return request.POST.get("confirm") == "1"


def _confirm(request, *, title: str, consequences: list[str], action: str, button: str, back: str):
    context = {"title": title, "consequences": consequences, "action": action, "button": button, "back": back}
    return render(request, "pledges/staff/confirm.html", context)


def _confirm_close(request, campaign: Campaign):
    totals = selectors.dashboard_totals(campaign)
    unsigned = totals.pending + totals.bounced
    consequences = [
        ngettext(
            "%(n)d đơn vị chưa ký sẽ không ký được nữa: liên kết mời hết hiệu lực.",
            "%(n)d đơn vị chưa ký sẽ không ký được nữa: liên kết mời hết hiệu lực.",
            unsigned,
        )
        % {"n": unsigned},
        _("Các bản cam kết đã ký vẫn giữ nguyên."),
    ]
    if campaign.closes_at:
        consequences.append(
            _("Có thể mở lại chiến dịch trước hạn ký (%(deadline)s).")
            % {"deadline": date_format(timezone.localtime(campaign.closes_at), "H:i d/m/Y")}
        )
    else:
        consequences.append(_("Có thể mở lại chiến dịch sau khi kết thúc."))
    return _confirm(
        request,
        title=_("Kết thúc chiến dịch «%(title)s»?") % {"title": campaign.title},
        consequences=consequences,
        action=reverse("pledges:campaign_action", args=[campaign.slug, "close"]),
        button=_("Kết thúc chiến dịch"),
        back=reverse("pledges:dashboard", args=[campaign.slug]),
    )


@login_required
@staff_required
@require_POST
def campaign_action(request, slug: str, action: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    try:
        if action == "start":
            count = start_campaign(campaign=campaign, user=request.user)
            messages.success(request, _("Đã bắt đầu: đang chuẩn bị %(n)d bản cam kết.") % {"n": count})
        elif action == "close":
            if not _confirmed(request):
                return _confirm_close(request, campaign)
            close_campaign(campaign=campaign, user=request.user)
            messages.success(request, _("Đã kết thúc chiến dịch. Có thể mở lại trước hạn ký nếu cần."))
        elif action == "reopen":
            reopen_campaign(campaign=campaign, user=request.user)
            messages.success(request, _("Đã mở lại chiến dịch: các liên kết mời chưa dùng hoạt động trở lại."))
        elif action == "remind":
            if campaign.status != Campaign.Status.RUNNING:
                raise PledgeError(_("Chỉ nhắc được khi chiến dịch đang diễn ra."))
            count = invitations.remind_pending(campaign=campaign, user=request.user)
            messages.success(request, _("Đã gửi nhắc tới %(n)d đơn vị.") % {"n": count})
        else:
            raise Http404
    except PledgeError as exc:
        messages.error(request, exc.message)
    return redirect("pledges:dashboard", slug=slug)


@login_required
@staff_required
@require_POST
def pledge_action(request, pk: int, action: str):
    pledge = get_object_or_404(Pledge.objects.select_related("campaign", "carrier"), pk=pk)
    try:
        if action == "resend":
            invitations.check_campaign_open(pledge)
            invitations.send_invitation(pledge=pledge, user=request.user)
            messages.success(request, _("Đã gửi lại lời mời tới %(name)s.") % {"name": pledge.carrier.name})
        elif action == "revoke":
            if not _confirmed(request):
                return _confirm(
                    request,
                    title=_("Thu hồi lời mời của «%(name)s»?") % {"name": pledge.carrier.name},
                    consequences=[
                        _("Liên kết mời đã gửi cho đơn vị hết hiệu lực ngay; đơn vị không ký được bản cam kết này."),
                        _("Không hoàn tác được: muốn đơn vị ký lại, cần mời đơn vị trong một chiến dịch mới."),
                    ],
                    action=reverse("pledges:pledge_action", args=[pledge.pk, "revoke"]),
                    button=_("Thu hồi lời mời"),
                    back=reverse("pledges:dashboard", args=[pledge.campaign.slug]),
                )
            invitations.revoke_invitation(pledge=pledge, user=request.user)
            messages.success(request, _("Đã thu hồi lời mời của %(name)s.") % {"name": pledge.carrier.name})
        else:
            raise Http404
    except PledgeError as exc:
        messages.error(request, exc.message)
    return redirect("pledges:dashboard", slug=pledge.campaign.slug)


@login_required
@staff_required
@require_POST
def correction_action(request, pk: int, action: str):
    item = get_object_or_404(CorrectionRequest.objects.select_related("pledge__campaign"), pk=pk)
    if action not in ("apply", "reject"):
        raise Http404
    handle_correction(correction=item, apply=action == "apply", user=request.user)
    return redirect("pledges:dashboard", slug=item.pledge.campaign.slug)


@login_required
@viewer_required
def staff_pledge_pdf(request, pk: int, kind: str):
    pledge = get_object_or_404(Pledge, pk=pk)
    stored = {
        "ban-cam-ket": pledge.issued_pdf,
        "da-ky": pledge.countersigned_pdf or pledge.signed_pdf,
        "giay-chung-nhan": pledge.certificate_pdf,
    }.get(kind)
    return _pdf_response(stored, f"{kind}-{pledge.pk}.pdf")


@login_required
@viewer_required
def campaign_export(request, slug: str, fmt: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    if fmt == "xlsx":
        data = reports.campaign_xlsx(campaign)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = f"{campaign.slug}.xlsx"
    elif fmt in ("docx", "pdf"):
        try:
            rendered = reports.campaign_report(campaign=campaign, user=request.user)
        except PledgeError as exc:
            messages.error(request, exc.message)
            return redirect("pledges:dashboard", slug=slug)
        data = rendered.docx if fmt == "docx" else rendered.pdf
        content_type = (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if fmt == "docx"
            else "application/pdf"
        )
        filename = f"bao-cao-{campaign.slug}.{fmt}"
    else:
        raise Http404
    response = file_response(data, filename=filename, content_type=content_type)
    response["X-Content-SHA256"] = hashlib.sha256(data).hexdigest()
    return response
