"""Wagtail admin: DOCX template versions per type — upload, preview against the sample data, activate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from templates_docs import selectors, services
from templates_docs.doctypes import DOCUMENT_TYPES
from templates_docs.errors import DocumentError, TemplateDataError, TemplateSyntaxProblem
from templates_docs.forms import TemplateUploadForm
from templates_docs.models import TemplateVersion
from templates_docs.views import DOCX

MANAGE = "templates_docs.change_templateversion"


def _require(request) -> None:
    if not request.user.has_perm(MANAGE):
        raise PermissionDenied


def template_problem_message(problem: TemplateSyntaxProblem) -> str:
    if problem.line is None:
        return _("Mẫu không hợp lệ: %(message)s") % {"message": problem.message}
    return _("Mẫu bị từ chối — đoạn (dòng) %(line)s, tên “%(name)s”: %(message)s") % {
        "line": problem.line,
        "name": problem.name,
        "message": problem.message,
    }


def index(request):
    _require(request)
    rows = [
        {
            "kind": kind,
            "active": services.active_version(slug),
            "versions": list(selectors.template_versions(slug)),
        }
        for slug, kind in DOCUMENT_TYPES.items()
    ]
    return render(request, "templates_docs/admin/index.html", {"rows": rows, "form": TemplateUploadForm()})


def upload(request):
    _require(request)
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.upload_template_version(
                doc_type=form.cleaned_data["doc_type"],
                docx=form.cleaned_data["file"].read(),
                filename=form.cleaned_data["file"].name,
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except TemplateSyntaxProblem as problem:
            form.add_error("file", template_problem_message(problem))
        except TemplateDataError as problem:
            form.add_error("file", _("Mẫu không điền được dữ liệu mẫu: %(error)s") % {"error": problem})
        else:
            messages.success(
                request,
                _("Đã tải lên %(label)s. Xem thử rồi kích hoạt để dùng cho văn bản mới.") % {"label": version.label},
            )
            if missing := services.missing_signature_markers(bytes(version.docx)):
                messages.warning(
                    request,
                    _(
                        "Mẫu chưa đánh dấu chỗ ký (thiếu dấu trang %(names)s): chữ ký và con dấu sẽ đặt ở góc dưới "
                        "bên phải trang cuối. Xem hướng dẫn trong tài liệu mẫu văn bản."
                    )
                    % {"names": ", ".join(missing)},
                )
            return redirect("templates_docs_admin:index")
    return render(request, "templates_docs/admin/upload.html", {"form": form})


def preview(request, pk: int):
    _require(request)
    version = get_object_or_404(TemplateVersion, pk=pk)
    try:
        result = services.preview_template_version(version=version, organisation=services.current_organisation())
    except DocumentError as error:
        messages.error(request, _("Không xem thử được %(label)s: %(error)s") % {"label": version.label, "error": error})
        return redirect("templates_docs_admin:index")
    response = HttpResponse(result.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{version.doc_type}-v{version.version}-xem-thu.pdf"'
    return response


@require_POST
def activate(request, pk: int):
    _require(request)
    version = get_object_or_404(TemplateVersion, pk=pk)
    services.activate_template_version(version=version)
    messages.success(request, _("Đã kích hoạt %(label)s.") % {"label": version.label})
    return redirect("templates_docs_admin:index")


def download(request, doc_type: str, pk: int | None = None):
    _require(request)
    if doc_type not in DOCUMENT_TYPES:
        raise Http404(doc_type)
    version = get_object_or_404(TemplateVersion, pk=pk, doc_type=doc_type) if pk else services.builtin_version(doc_type)
    response = HttpResponse(bytes(version.docx), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{version.label.replace(":", "-")}.docx"'
    return response
