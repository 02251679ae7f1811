"""Thin views: collect input, call a service, complete the viewflow task, say what happened in Vietnamese.

Step views (`StartDraftView` … `SendView`) are mounted by the flow in viewflow's frontend (/workflow/), which has
already checked the user's right to the task and locked the process. The other views live at /van-ban-di/: the task
list, a document's page (trail, revisions), downloads, the recipients' inbox and the edXML package.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST
from viewflow.workflow import STATUS
from viewflow.workflow.flow import Flow
from viewflow.workflow.models import Task

from core.audit import trail_for
from core.downloads import file_response, stored_file_response
from core.reauth import RecentAuthenticationRequiredMixin, require_recent_authentication
from core.types import User
from workflows.nodes import open_task

from . import edxml, selectors, trail
from .errors import DispatchError
from .forms import ConfirmForm, DecisionForm, DraftForm, ExternalFinishForm, ExternalPrepareForm, NumberForm, SignForm
from .models import DispatchAttachment, DispatchProcess, DispatchRecipient, DispatchRevision, ExternalSignature
from .services import changes, decisions, delivery, documents, drafting, issuing

# --- step views (inside viewflow) -------------------------------------------------------------------------------


def document_context(process: DispatchProcess) -> dict:
    return {
        "process": process,
        "revisions": process.revisions.select_related("pdf", "docx", "created_by"),
        "versions": process.versions.select_related("draft__pdf", "submitted_by"),
        "comments": process.comments.select_related("author"),
        "attachments": process.attachments.select_related("file"),
        "recipients": process.recipients.select_related("carrier"),
        # the draft PDFs that were submitted (the others are saves in between): marked in the revisions list
        "submitted_drafts": set(process.versions.exclude(draft=None).values_list("draft_id", flat=True)),
    }


def preview_context(revision: DispatchRevision | None) -> dict:
    """What dispatch/_preview.html needs to show a revision as page images."""
    return {"preview": revision, "preview_pages": documents.page_numbers(revision) if revision else []}


class StepView(generic.FormView):
    """One step of the flow. Subclasses implement `perform(form)`; failures keep the task where it was."""

    template_name = "dispatch/step.html"
    form_class = ConfirmForm
    submit_label = _("Thực hiện")
    done_message = _("Đã thực hiện.")

    @property
    def process(self) -> DispatchProcess:
        return self.request.activation.process

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(document_context(self.process))
        context["submit_label"] = self.submit_label
        context["step_template"] = f"dispatch/steps/{self.request.activation.flow_task.name}.html"
        context["batch_links"] = selectors.batch_links(self.request.user)  # "do them all at once", and the nav
        return context

    def perform(self, form) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except DispatchError as exc:
            messages.error(self.request, exc.message)
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        self.request.activation.execute()
        messages.success(self.request, self.done_message)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return reverse("dispatch:detail", args=[self.process.pk])


class StartDraftView(generic.FormView):
    """A new draft; `?tra-loi=<pk>` starts it as the reply to an incoming document the author handles."""

    template_name = "dispatch/draft.html"
    form_class = DraftForm

    def answered(self):
        return drafting.answerable(user=self.request.user, pk=self.request.GET.get("tra-loi", ""))

    def get_initial(self):
        answered = self.answered()
        if answered is None:
            return super().get_initial()
        return {**super().get_initial(), **drafting.reply_initial(answered)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "process": self.request.activation.process,
            "answered": self.answered(),
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.author = self.request.user
        return form

    def form_valid(self, form):
        activation = self.request.activation
        try:
            process = drafting.start_draft(
                process=activation.process, author=self.request.user, data=form.draft_data(), answers=self.answered()
            )
            _save_attachment(form, process, self.request.user)
        except DispatchError as exc:
            transaction.set_rollback(True)
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        activation.execute()
        try:
            documents.render_draft_preview(process=process, user=self.request.user)  # the preview beside the form
        except DispatchError as exc:
            messages.error(self.request, _("Chưa có bản xem trước: %(reason)s") % {"reason": exc.message})
        messages.success(self.request, _("Đã tạo dự thảo. Bạn có thể tiếp tục sửa, xem bản PDF và trình duyệt."))
        draft_task = process.task_set.filter(status=STATUS.ASSIGNED).first()
        if draft_task is not None:
            return HttpResponseRedirect(draft_task.flow_task.reverse("execute", args=[process.pk, draft_task.pk]))
        return redirect("dispatch:detail", process.pk)


def _save_attachment(form: DraftForm, process: DispatchProcess, user: User) -> None:
    upload = form.cleaned_data.get("attachment")
    if upload:
        drafting.add_attachment(
            process=process,
            user=user,
            data=upload.read(),
            filename=upload.name,
            title=form.cleaned_data.get("attachment_title") or upload.name,
        )


class DraftView(StepView):
    """Edit, save, preview the DỰ THẢO PDF, and submit. Only "submit" completes the task."""

    template_name = "dispatch/draft.html"
    form_class = DraftForm

    def get_initial(self):
        return DraftForm.initial_from(self.process)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.author = self.request.user
        return form

    def form_valid(self, form):
        action = self.request.POST.get("action", "save")
        process, user = self.process, self.request.user
        here = self.request.get_full_path()
        data = form.draft_data()
        try:
            changed = drafting.draft_changes(process=process, data=data)
            drafting.save_draft(process=process, user=user, data=data)
            _save_attachment(form, process, user)
        except DispatchError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        try:
            if action == "submit":
                drafting.submit_draft(process=process, user=user)
                self.request.activation.execute()
                messages.success(self.request, _("Đã trình dự thảo lên trưởng phòng."))
                return HttpResponseRedirect(self.get_success_url())
            # Every save refreshes the preview beside the form, when there is something new to print.
            if action == "preview" or changed or not drafting.preview_is_current(process):
                documents.render_draft_preview(process=process, user=user)
        except DispatchError as exc:
            messages.error(self.request, _("Đã lưu dự thảo, nhưng: %(reason)s") % {"reason": exc.message})
            return HttpResponseRedirect(here)
        messages.success(self.request, _("Đã lưu dự thảo và cập nhật bản xem trước."))
        return HttpResponseRedirect(here)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(preview_context(self.process.latest_revision(DispatchRevision.Kind.DRAFT)))
        return context


class DecisionView(StepView):
    """A step that approves the draft or returns it to its author, with a comment: the document as page images,
    what changed since the version returned, the comment and the two decisions on one page."""

    template_name = "dispatch/decide.html"
    form_class = DecisionForm
    submit_label = _("Ghi ý kiến")
    approved_message: str = ""  # lazy: translated when the step is done

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        process = self.process
        submitted = process.versions.select_related("draft__pdf").order_by("-number", "-pk").first()
        revision = (
            submitted.draft if submitted and submitted.draft else process.latest_revision(DispatchRevision.Kind.DRAFT)
        )
        context.update(preview_context(revision))
        context["comparison"] = changes.since_returned(process)
        context["step_title"] = self.request.activation.flow_task.task_title
        return context

    def decide(self, **kwargs):
        raise NotImplementedError

    def perform(self, form) -> None:
        comment = self.decide(
            process=self.process,
            user=self.request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
        self.done_message = (
            str(self.approved_message)
            if comment.decision == decisions.APPROVED
            else _("Đã trả lại dự thảo cho người soạn thảo.")
        )


class ReviewView(DecisionView):
    approved_message = gettext_lazy("Đã đồng ý, chuyển lãnh đạo duyệt.")

    def decide(self, **kwargs):
        return decisions.review_dispatch(**kwargs)


class ApproveView(DecisionView):
    approved_message = gettext_lazy("Đã duyệt, chuyển văn thư cấp số.")

    def decide(self, **kwargs):
        return decisions.approve_dispatch(**kwargs)


class NumberView(RecentAuthenticationRequiredMixin, StepView):
    form_class = NumberForm
    submit_label = _("Cấp số và tạo bản chính")

    def perform(self, form) -> None:
        issuing.number_dispatch(
            process=self.process, user=self.request.user, issued_date=form.cleaned_data["issued_date"]
        )
        self.done_message = _("Đã cấp số %(number)s.") % {"number": self.process.number}


_METHOD_LABELS = {
    "remote": _("Ký số từ xa: %(label)s"),
    "protected": _("Chứng thư số cá nhân, mở bằng PIN ký của bạn: %(label)s"),
    "token": _("Thiết bị ký (token) của bạn: %(label)s"),
}


def _method_choice(method) -> dict:
    return {
        "value": f"{method.kind}:{method.ref}",
        "label": _METHOD_LABELS[method.kind] % {"label": method.label},
        "needs_pin": method.needs_pin,
        "needs_otp": method.needs_otp,
    }


class SignView(RecentAuthenticationRequiredMixin, StepView):
    """The leader signs with one of their own methods and the PIN/OTP they type (or goes to the two-step page)."""

    form_class = SignForm
    submit_label = _("Ký số")
    done_message = _("Đã ký số văn bản.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["methods"] = [_method_choice(m) for m in issuing.signing_methods(self.request.user)]
        return kwargs

    def perform(self, form) -> None:
        issuing.sign_dispatch(
            process=self.process,
            user=self.request.user,
            method=form.cleaned_data["method"],
            pin=form.cleaned_data["pin"],
            otp=form.cleaned_data["otp"],
        )


class SealView(RecentAuthenticationRequiredMixin, StepView):
    submit_label = _("Ký số cơ quan (đóng dấu)")
    done_message = _("Đã ký số của cơ quan lên văn bản.")

    def perform(self, form) -> None:
        issuing.seal_dispatch(process=self.process, user=self.request.user)


class SendView(StepView):
    submit_label = _("Phát hành")
    done_message = _("Đã phát hành văn bản tới các nơi nhận.")

    def perform(self, form) -> None:
        delivery.send_dispatch(process=self.process, user=self.request.user)


# --- pages at /van-ban-di/ --------------------------------------------------------------------------------------


@login_required
def task_list(request: HttpRequest, *, flow_class: type[Flow]) -> HttpResponse:
    """`flow_class` comes from the URL configuration, as viewflow hands its own views their flow."""
    rows = selectors.tasks_for(request.user)
    dispatches = selectors.visible_dispatches(request.user)[:100] if selectors.is_staff_reader(request.user) else []
    can_start = flow_class.start.can_execute(request.user)
    return render(
        request,
        "dispatch/task_list.html",
        {
            "rows": rows,
            "dispatches": dispatches,
            "start_url": flow_class.start.reverse("execute") if can_start else "",
        },
    )


def execute_url(task: Task) -> str:
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


@login_required
@require_POST
def take_task(request: HttpRequest, task_pk: int) -> HttpResponse:
    """Take a queued task (viewflow's assign) and go straight to its form."""
    task = get_object_or_404(Task, pk=task_pk, process__dispatchprocess__isnull=False)
    return open_task(request, task, queue_url=reverse("dispatch:tasks"))


def _process_for_reader(request: HttpRequest, pk: int) -> DispatchProcess:
    process = get_object_or_404(DispatchProcess, pk=pk)
    if not selectors.is_staff_reader(request.user):
        raise PermissionDenied
    return process


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    process = get_object_or_404(DispatchProcess, pk=pk)
    if not selectors.is_staff_reader(request.user):
        recipient = selectors.inbox_for(request.user).filter(process=process).first()
        if recipient is None:
            raise PermissionDenied
        return redirect("dispatch:inbox_item", recipient.pk)
    task = selectors.open_task_for(process)
    context = document_context(process)
    context.update(
        {
            "trail": trail.sentences(trail_for(process).select_related("actor__staff_profile")),
            "open_task": task,
            "task_url": execute_url(task) if task is not None and task.owner_id == request.user.pk else "",
            "can_take": task is not None and task.owner_id is None and task.flow_task.can_assign(request.user, task),
        }
    )
    return render(request, "dispatch/detail.html", context)


def _readable_revision(request: HttpRequest, pk: int, revision_pk: int) -> tuple[DispatchProcess, DispatchRevision]:
    """Any revision for staff readers; a recipient gets only the issued (sealed) revision of what was sent to it."""
    process = get_object_or_404(DispatchProcess, pk=pk)
    revision = get_object_or_404(DispatchRevision.objects.select_related("pdf"), pk=revision_pk, process=process)
    if not selectors.is_staff_reader(request.user):
        if (
            revision.kind != DispatchRevision.Kind.SEALED
            or not selectors.inbox_for(request.user).filter(process=process).exists()
        ):
            raise PermissionDenied
    return process, revision


@login_required
def download_revision(request: HttpRequest, pk: int, revision_pk: int) -> HttpResponse:
    process, revision = _readable_revision(request, pk, revision_pk)
    want_docx = request.GET.get("format") == "docx"
    stored = revision.docx if want_docx else revision.pdf
    if stored is None:
        raise Http404
    delivery.record_download(process=process, revision=stored, user=request.user)
    return stored_file_response(stored, filename=stored.filename or f"{process.pk}-{revision.pk}")


@login_required
def revision_page(request: HttpRequest, pk: int, revision_pk: int, page: int) -> HttpResponse:
    """A page of a revision as an image (the preview beside the form and on the step pages): who may download the
    revision may see its pages, nobody else."""
    _process, revision = _readable_revision(request, pk, revision_pk)
    try:
        image = documents.revision_page_image(revision=revision, page=page)
    except DispatchError:
        raise Http404 from None
    response = HttpResponse(image, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"  # a revision never changes
    return response


@login_required
def download_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    process = get_object_or_404(DispatchProcess, pk=pk)
    attachment = get_object_or_404(DispatchAttachment, pk=attachment_pk, process=process)
    if not selectors.is_staff_reader(request.user) and not (
        process.sent_at and selectors.inbox_for(request.user).filter(process=process).exists()
    ):
        raise PermissionDenied
    delivery.record_download(process=process, revision=attachment.file, user=request.user)
    return stored_file_response(attachment.file, filename=attachment.file.filename or attachment.title)


@login_required
def edxml_package(request: HttpRequest, pk: int, recipient_pk: int) -> HttpResponse:
    process = _process_for_reader(request, pk)
    recipient = get_object_or_404(DispatchRecipient, pk=recipient_pk, process=process)
    try:
        data = edxml.build_package(process=process, recipient=recipient)
    except DispatchError as exc:
        messages.error(request, exc.message)
        return redirect("dispatch:detail", process.pk)
    delivery.record_download(
        process=process, revision=process.latest_revision(DispatchRevision.Kind.SEALED), user=request.user
    )
    return file_response(data, filename=edxml.package_filename(process, recipient), content_type="application/xml")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "dispatch/inbox.html", {"items": selectors.inbox_for(request.user)})


@login_required
def inbox_item(request: HttpRequest, recipient_pk: int) -> HttpResponse:
    recipient = get_object_or_404(selectors.inbox_for(request.user), pk=recipient_pk)
    if request.method == "POST":
        delivery.acknowledge(recipient=recipient, user=request.user)
        messages.success(request, _("Đã xác nhận đã nhận văn bản."))
        return redirect("dispatch:inbox_item", recipient.pk)
    delivery.mark_opened(recipient=recipient, user=request.user)
    process = recipient.process
    return render(
        request,
        "dispatch/inbox_item.html",
        {
            "recipient": recipient,
            "process": process,
            "issued": process.latest_revision(DispatchRevision.Kind.SEALED),
            "attachments": process.attachments.select_related("file"),
        },
    )


@login_required
@require_recent_authentication
def external_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Two-step signing for a leader whose key is on a token: upload the certificate, sign, paste the value."""
    process = get_object_or_404(DispatchProcess, pk=pk)
    task = selectors.open_task_for(process)
    if (
        task is None
        or task.flow_task.name != "sign"
        or task.status != STATUS.ASSIGNED
        or not task.flow_task.can_execute(request.user, task)
    ):
        raise PermissionDenied
    external = process.external_signatures.filter(created_by=request.user, finished_at__isnull=True).last()
    prepare_form = ExternalPrepareForm()
    finish_form = ExternalFinishForm()
    if request.method == "POST" and "certificate" in request.FILES:
        prepare_form = ExternalPrepareForm(request.POST, request.FILES)
        if prepare_form.is_valid():
            try:
                external = issuing.prepare_external_signing(
                    process=process, user=request.user, certificate_der=prepare_form.cleaned_data["certificate"]
                )
            except DispatchError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("dispatch:external_sign", process.pk)
    elif request.method == "POST" and external is not None:
        finish_form = ExternalFinishForm(request.POST)
        if finish_form.is_valid():
            try:
                _finish_external(request, process, task, external, finish_form.cleaned_data["signature"])
            except DispatchError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Đã ký số văn bản."))
                return redirect("dispatch:detail", process.pk)
    return render(
        request,
        "dispatch/external_sign.html",
        {
            "process": process,
            "external": external,
            "to_sign": _to_sign(external),
            "prepare_form": prepare_form,
            "finish_form": finish_form,
        },
    )


def _to_sign(external: ExternalSignature | None) -> str:
    """What the token must sign: base64 DER of the CMS signed attributes (see signing.prepare_external_signature)."""
    return str(external.state.get("data_to_sign", "")) if external is not None else ""


def _finish_external(request, process: DispatchProcess, task: Task, external: ExternalSignature, value: bytes) -> None:
    # The signature is recorded in its own transaction (a failure is kept in the audit log), then the task completes.
    issuing.finish_external_signing(process=process, external=external, user=request.user, signature_value=value)
    with transaction.atomic(), task.activation() as activation:
        activation.start(request)
        activation.execute()


__all__ = [
    "ApproveView",
    "DraftView",
    "NumberView",
    "ReviewView",
    "SealView",
    "SendView",
    "SignView",
    "StartDraftView",
]
