"""Staff pages of incoming documents: the list, the clerk's registration, a document with its "ĐẾN" stamp, its
handling steps (mounted by the flow), opinions, the phiếu giải quyết, and the registers with their exports."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from core.reauth import require_recent_authentication
from templates_docs.errors import DocumentError
from templates_docs.services import convert_to_pdf, current_organisation
from workflows.nodes import open_task

from . import exports, selectors
from .errors import IncomingError, PossibleDuplicate
from .forms import (
    AssignForm,
    CloseForm,
    DirectForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    OpinionForm,
    RegisterPeriodForm,
    RegistrationForm,
    SearchForm,
)
from .models import Channel, IncomingDocument, IncomingProcess, Opinion, Status
from .services import handling
from .services.prefill import prefill_upload
from .services.registration import held_upload, hold_upload, register_incoming

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TOKENS = "incoming_registration_tokens"
_HELD, _HELD_LIMIT = "incoming_held_uploads", 10  # {sha256: filename} of PDFs read for a prefill, not yet registered


def _years() -> list[int]:
    return sorted(set(selectors.register_years()) | {timezone.localdate().year}, reverse=True)


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    """The register's readers see every document; a unit's staff and handlers those given to them."""
    if not (request.user.has_perm(selectors.VIEW_PERMISSION) or request.user.has_perm(selectors.HANDLE_PERMISSION)):
        raise PermissionDenied
    form = SearchForm(request.GET or None, years=_years())
    criteria = form.cleaned_data if form.is_valid() else {}
    documents = selectors.search(
        query=criteria.get("q", ""),
        year=criteria.get("year"),
        status=criteria.get("status", ""),
        within=selectors.visible_to(request.user),
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
        held = request.session.get(_HELD, {})
        file_data, filename = (upload.read(), upload.name) if upload else (None, "")
        if file_data is None and data["held"] in held:  # the file read for the prefill, kept for this clerk
            file_data, filename = held_upload(sha256=data["held"]), held[data["held"]]
        wants_prefill = request.POST.get("action") == "read" or (
            upload and data["channel"] == Channel.PDF and not (data["issuer_name"] and data["subject"])
        )
        if wants_prefill and file_data:
            return _prefilled(request, form, file_data=file_data, filename=filename, channel=data["channel"])
        if wants_prefill:
            form.add_error("file", _("Chọn tệp (PDF hoặc bản quét) để đọc thông tin."))
            return render(request, "incoming/register.html", {"form": form, "duplicates": duplicates})
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
                file_data=file_data,
                filename=filename,
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
            request.session[_HELD] = {k: v for k, v in held.items() if k != document.file_sha256}
            messages.success(
                request,
                _("Đã vào sổ văn bản đến số %(number)s.") % {"number": f"{document.display_number}/{document.year}"},
            )
            return redirect("incoming:detail", document.pk)
    held_name = request.session.get(_HELD, {}).get(request.POST.get("held", ""), "")
    return render(request, "incoming/register.html", {"form": form, "duplicates": duplicates, "held_name": held_name})


def _prefilled(
    request: HttpRequest, form: RegistrationForm, *, file_data: bytes, filename: str, channel: str
) -> HttpResponse:
    """The form again, its empty fields filled from the file (signature and page 1, or page 1 of a scan
    recognised now), the file kept server-side."""
    try:
        stored = hold_upload(data=file_data, filename=filename, channel=channel)
        prefill = prefill_upload(data=file_data, content_type=stored.content_type, channel=channel)
    except IncomingError as exc:
        form.add_error(None, exc.message)
        return render(request, "incoming/register.html", {"form": form, "duplicates": []})
    held = request.session.get(_HELD, {})
    held = dict(list({**held, stored.sha256: filename}.items())[-_HELD_LIMIT:])
    request.session[_HELD] = held
    values = request.POST.copy()
    for name, value in prefill.fields.items():
        if not values.get(name):
            values[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    values["held"] = stored.sha256
    form = RegistrationForm(values)
    context = {"form": form, "duplicates": [], "prefill": prefill, "held_name": filename}
    return render(request, "incoming/register.html", context)


def _readable(request: HttpRequest, pk: int) -> IncomingDocument:
    document = get_object_or_404(selectors.registered(), pk=pk)
    if not selectors.can_view(request.user, document):
        raise PermissionDenied
    return document


def _document_context(document: IncomingDocument, user) -> dict:
    process = selectors.process_of(document)
    task = selectors.open_task_for(document)
    return {
        "document": document,
        "process": process,
        "organisation": current_organisation(),
        "overdue": selectors.is_overdue(document),
        "opinions": document.opinions.select_related("author"),
        "replies": document.replies.order_by("pk"),
        "task": task,
        "unit_names": selectors.unit_names(),
        "opinion_level": selectors.opinion_level(user, document),
        "extension_level": selectors.may_decide_extension(user, process) if process else None,
        "may_request_extension": process is not None
        and process.handler_id == getattr(user, "pk", None)
        and document.status in (Status.ASSIGNED, Status.IN_PROGRESS),
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _readable(request, pk)
    context = _document_context(document, request.user)
    task = context["task"]
    context["can_open_task"] = task is not None and (
        task.owner_id == request.user.pk or task.flow_task.can_assign(request.user, task)
    )
    context["opinion_form"] = OpinionForm() if context["opinion_level"] else None
    context["can_reply"] = context["opinion_level"] == Opinion.Level.HANDLER and request.user.has_perm(
        "dispatch.can_start_dispatchprocess"
    )
    return render(request, "incoming/detail.html", context)


@login_required
def slip(request: HttpRequest, pk: int) -> HttpResponse:
    """The phiếu giải quyết văn bản đến (Phụ lục IV), printable: the three levels of opinions."""
    document = _readable(request, pk)
    context = _document_context(document, request.user)
    opinions = list(context["opinions"])
    context["levels"] = [(label, [o for o in opinions if o.level == level]) for level, label in Opinion.Level.choices]
    return render(request, "incoming/slip.html", context)


@login_required
@require_POST
def add_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    document = _readable(request, pk)
    form = OpinionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Chưa nhập ý kiến."))
    else:
        try:
            handling.add_opinion(document=document, user=request.user, text=form.cleaned_data["text"])
        except IncomingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã ghi ý kiến."))
    return redirect("incoming:detail", document.pk)


@login_required
@require_POST
def request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    document = _readable(request, pk)
    process = selectors.process_of(document)
    form = ExtensionRequestForm(request.POST)
    if process is None or not form.is_valid():
        messages.error(request, _("Hãy nhập hạn đề nghị và lý do."))
        return redirect("incoming:detail", document.pk)
    try:
        handling.request_extension(
            process=process, user=request.user, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"]
        )
    except IncomingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã gửi đề nghị gia hạn."))
    return redirect("incoming:detail", document.pk)


@login_required
@require_POST
def decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    document = _readable(request, pk)
    process = selectors.process_of(document)
    form = ExtensionDecisionForm(request.POST)
    if process is None or not form.is_valid():
        messages.error(request, _("Hãy chọn đồng ý hay không đồng ý gia hạn."))
        return redirect("incoming:detail", document.pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        handling.decide_extension(process=process, user=request.user, approve=approve, note=form.cleaned_data["note"])
    except IncomingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã đồng ý gia hạn.") if approve else _("Đã không đồng ý gia hạn."))
    return redirect("incoming:detail", document.pk)


@login_required
@require_POST
def open_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A work-list row that is not a task (a request for more time to decide): its document's page."""
    document = _readable(request, pk)
    return HttpResponseRedirect(reverse("incoming:detail", args=[document.pk]) + "#gia-han")


@login_required
@require_POST
def take(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=task_pk, process__incomingprocess__isnull=False)
    return open_task(request, task, queue_url=reverse("workspace:mine"))


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    document = _readable(request, pk)
    # ?ban=tim-kiem: the searchable PDF made from a scan; otherwise the file exactly as received
    stored = document.searchable_file if request.GET.get("ban") == "tim-kiem" else document.file
    if stored is None:
        raise Http404
    return FileResponse(
        stored.file.open("rb"), content_type=stored.content_type, as_attachment=True, filename=stored.filename
    )


# --- step views (mounted by the flow; viewflow has checked the task and locked the process) -----------------------


class StepView(generic.FormView):
    """One step of the handling. Subclasses implement `perform(form)`; a refusal keeps the task where it was."""

    template_name = "incoming/step.html"
    done_message = gettext_lazy("Đã thực hiện.")
    submit_label = gettext_lazy("Thực hiện")

    @property
    def process(self) -> IncomingProcess:
        return self.request.activation.process

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_document_context(self.process.document, self.request.user))
        context["submit_label"] = self.submit_label
        context["step_title"] = self.request.activation.flow_task.task_title
        return context

    def perform(self, form) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except IncomingError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        self.request.activation.execute()
        messages.success(self.request, self.done_message)
        return HttpResponseRedirect(reverse("incoming:detail", args=[self.process.document_id]))


class DirectView(StepView):
    form_class = DirectForm
    submit_label = gettext_lazy("Chuyển giải quyết")
    done_message = gettext_lazy("Đã cho ý kiến chỉ đạo; văn bản đã chuyển đến đơn vị chủ trì.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": selectors.unit_names()}

    def get_initial(self):
        document = self.process.document
        received_on = timezone.localdate(document.received_at)
        proposed = received_on + dt.timedelta(days=settings.VANTHU_INCOMING_DEFAULT_DAYS)
        return {"deadline": document.deadline or max(proposed, timezone.localdate())}

    def perform(self, form) -> None:
        data = form.cleaned_data
        handling.direct(
            process=self.process,
            user=self.request.user,
            lead_unit=data["lead_unit"],
            cooperating_units=data["cooperating_units"],
            deadline=data["deadline"],
            note=data["note"],
        )


class AssignView(StepView):
    form_class = AssignForm
    submit_label = gettext_lazy("Phân công")
    done_message = gettext_lazy("Đã phân công người giải quyết.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "members": selectors.unit_members(self.process.lead_unit)}

    def get_initial(self):
        return {"deadline": self.process.document.deadline}

    def perform(self, form) -> None:
        data = form.cleaned_data
        handling.assign(
            process=self.process,
            user=self.request.user,
            handler=data["handler"],
            deadline=data["deadline"],
            note=data["note"],
        )


class HandleView(StepView):
    form_class = CloseForm
    submit_label = gettext_lazy("Kết thúc giải quyết")
    done_message = gettext_lazy("Đã kết thúc giải quyết văn bản đến.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["opinion_form"] = OpinionForm()
        context["can_reply"] = self.request.user.has_perm("dispatch.can_start_dispatchprocess")
        return context

    def perform(self, form) -> None:
        handling.close(process=self.process, user=self.request.user, resolution=form.cleaned_data["resolution"])


_BOOKS = {
    "register": {
        "stem": "so-van-ban-den",
        "columns": exports.COLUMNS,
        "row": exports.row,
        "title": exports.title,
        "xlsx": exports.register_xlsx,
        "docx": exports.register_docx,
    },
    "tracking": {
        "stem": "so-theo-doi-giai-quyet",
        "columns": exports.TRACKING_COLUMNS,
        "row": exports.tracking_row,
        "title": exports.tracking_title,
        "xlsx": exports.tracking_xlsx,
        "docx": exports.tracking_docx,
    },
}


def _book(request: HttpRequest, *, kind: str) -> HttpResponse:
    """A register on the page, or `?export=xlsx|pdf`: a year, or a period of receipt."""
    book = _BOOKS[kind]
    form = RegisterPeriodForm(request.GET or None, years=_years())
    criteria = form.cleaned_data if form.is_valid() else {}
    year = criteria.get("year")
    entries = selectors.register_entries(
        year=year, date_from=criteria.get("date_from"), date_to=criteria.get("date_to")
    )
    if kind == "tracking":
        entries = entries.select_related("process__handler").prefetch_related("replies")
    entries = list(entries)
    export = request.GET.get("export")
    stem = f"{book['stem']}-{year or 'tat-ca'}"
    if export == "xlsx":
        response = HttpResponse(book["xlsx"](entries, year=year), content_type=XLSX)
    elif export == "pdf":
        docx = book["docx"](entries, organisation=current_organisation(), year=year)
        try:
            response = HttpResponse(convert_to_pdf(docx), content_type="application/pdf")
        except DocumentError:
            return HttpResponse(
                _("Không chuyển được sổ sang PDF lúc này. Vui lòng thử lại sau."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
    else:
        context = {
            "form": form,
            "rows": [book["row"](entry) for entry in entries],
            "columns": book["columns"],
            "query": request.GET.urlencode(),
            "title": book["title"](year=year),
            "kind": kind,
        }
        return render(request, "incoming/register_book.html", context)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{export}"'
    return response


@login_required
@permission_required(selectors.REGISTER_BOOK_PERMISSION, raise_exception=True)
def register_book(request: HttpRequest) -> HttpResponse:
    return _book(request, kind="register")


@login_required
@permission_required(selectors.REGISTER_BOOK_PERMISSION, raise_exception=True)
def tracking_book(request: HttpRequest) -> HttpResponse:
    return _book(request, kind="tracking")
