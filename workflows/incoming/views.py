"""Staff pages of incoming documents: the list, the clerk's registration, a document with its "ĐẾN" stamp,
and the sổ đăng ký văn bản đến with its XLSX and PDF exports."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.reauth import require_recent_authentication
from templates_docs.errors import DocumentError
from templates_docs.services import convert_to_pdf, current_organisation

from . import exports, selectors
from .errors import IncomingError, PossibleDuplicate
from .forms import RegisterPeriodForm, RegistrationForm, SearchForm
from .models import IncomingDocument
from .services.registration import register_incoming

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TOKENS = "incoming_registration_tokens"


def _years() -> list[int]:
    return sorted(set(selectors.register_years()) | {timezone.localdate().year}, reverse=True)


@login_required
@permission_required(selectors.VIEW_PERMISSION, raise_exception=True)
def document_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, years=_years())
    criteria = form.cleaned_data if form.is_valid() else {}
    documents = selectors.search(
        query=criteria.get("q", ""), year=criteria.get("year"), status=criteria.get("status", "")
    )
    today = timezone.localdate()
    rows = [(d, selectors.is_overdue(d, today=today)) for d in documents]
    can_register = request.user.has_perm(selectors.REGISTER_PERMISSION)
    return render(request, "incoming/list.html", {"form": form, "rows": rows, "can_register": can_register})


@login_required
@permission_required(selectors.REGISTER_PERMISSION, raise_exception=True)
@require_recent_authentication
def register(request: HttpRequest) -> HttpResponse:
    duplicates: list[IncomingDocument] = []
    if request.method != "POST":
        form = RegistrationForm(initial={"token": uuid.uuid4().hex, "channel": "pdf"})
        return render(request, "incoming/register.html", {"form": form, "duplicates": duplicates})
    form = RegistrationForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        done = request.session.get(_TOKENS, {})
        if data["token"] in done:  # the same form submitted again: it was registered once
            return redirect("incoming:detail", done[data["token"]])
        upload = data["file"]
        try:
            document = register_incoming(
                channel=data["channel"],
                issuer_name=data["issuer_name"],
                code=data["code"],
                issued_date=data["issued_date"],
                doc_type=data["doc_type"],
                subject=data["subject"],
                signer_name=data["signer_name"],
                urgency=data["urgency"] or "",
                deadline=data["deadline"],
                note=data["note"],
                file_data=upload.read() if upload else None,
                filename=upload.name if upload else "",
                confirm_duplicate=data["confirm_duplicate"],
                user=request.user,
            )
        except PossibleDuplicate as exc:
            duplicates = exc.duplicates
            form.add_error(None, exc.message)
        except IncomingError as exc:
            form.add_error(None, exc.message)
        else:
            request.session[_TOKENS] = {**done, data["token"]: document.pk}
            messages.success(
                request,
                _("Đã vào sổ văn bản đến số %(number)s.") % {"number": f"{document.display_number}/{document.year}"},
            )
            return redirect("incoming:detail", document.pk)
    return render(request, "incoming/register.html", {"form": form, "duplicates": duplicates})


@login_required
@permission_required(selectors.VIEW_PERMISSION, raise_exception=True)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(IncomingDocument, pk=pk)
    return render(
        request,
        "incoming/detail.html",
        {
            "document": document,
            "organisation": current_organisation(),
            "overdue": selectors.is_overdue(document),
        },
    )


@login_required
@permission_required(selectors.VIEW_PERMISSION, raise_exception=True)
def download(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(IncomingDocument, pk=pk)
    # ?ban=tim-kiem: the searchable PDF made from a scan; otherwise the file exactly as received
    stored = document.searchable_file if request.GET.get("ban") == "tim-kiem" else document.file
    if stored is None:
        raise Http404
    return FileResponse(
        stored.file.open("rb"), content_type=stored.content_type, as_attachment=True, filename=stored.filename
    )


@login_required
@permission_required(selectors.REGISTER_BOOK_PERMISSION, raise_exception=True)
def register_book(request: HttpRequest) -> HttpResponse:
    form = RegisterPeriodForm(request.GET or None, years=_years())
    criteria = form.cleaned_data if form.is_valid() else {}
    year = criteria.get("year")
    entries = list(
        selectors.register_entries(year=year, date_from=criteria.get("date_from"), date_to=criteria.get("date_to"))
    )
    export = request.GET.get("export")
    stem = f"so-van-ban-den-{year or 'tat-ca'}"
    if export == "xlsx":
        response = HttpResponse(exports.register_xlsx(entries, year=year), content_type=XLSX)
    elif export == "pdf":
        docx = exports.register_docx(entries, organisation=current_organisation(), year=year)
        try:
            response = HttpResponse(convert_to_pdf(docx), content_type="application/pdf")
        except DocumentError:
            return HttpResponse(
                _("Không chuyển được sổ sang PDF lúc này. Vui lòng thử lại sau."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
    else:
        rows = [exports.row(entry) for entry in entries]
        query = request.GET.urlencode()
        context = {
            "form": form,
            "rows": rows,
            "columns": exports.COLUMNS,
            "query": query,
            "title": exports.title(year=year),
        }
        return render(request, "incoming/register_book.html", context)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{export}"'
    return response
