"""The outgoing register (sổ đăng ký văn bản đi) for staff: filter by year and type, export XLSX/DOCX/PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from templates_docs import exports, selectors, services
from templates_docs.doctypes import DOCUMENT_TYPES
from templates_docs.errors import DocumentError
from templates_docs.forms import RegisterFilterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class OutgoingRegisterView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "templates_docs.view_outgoing_register"
    raise_exception = False
    template_name = "templates_docs/register.html"

    def handle_no_permission(self):
        # Logged-in staff without the permission get a 403, anonymous users the login page.
        self.raise_exception = self.request.user.is_authenticated
        return super().handle_no_permission()

    def get(self, request, *args, **kwargs):
        years = sorted(set(selectors.register_years()) | {timezone.localdate().year}, reverse=True)
        form = RegisterFilterForm(request.GET or None, years=years)
        year = doc_type = None
        if form.is_valid():
            year, doc_type = form.cleaned_data["year"], form.cleaned_data["doc_type"] or None
        entries = selectors.register_entries(year=year, doc_type=doc_type)
        type_name = DOCUMENT_TYPES[doc_type].name if doc_type else None
        export = request.GET.get("export")
        if export in {"xlsx", "docx", "pdf"}:
            return self._export(export, entries=entries, year=year, type_name=type_name)
        return self.render_to_response(
            self.get_context_data(form=form, entries=entries, columns=exports.COLUMNS, query=request.GET.urlencode())
        )

    def _export(self, kind: str, *, entries, year, type_name) -> HttpResponse:
        stem = f"so-van-ban-di-{year or 'tat-ca'}"
        if kind == "xlsx":
            data, content_type = exports.register_xlsx(entries, year=year, type_name=type_name), XLSX
        else:
            organisation = settings.VANTHU_DEFAULT_ORGANISATION
            data = exports.register_docx(entries, organisation=organisation, year=year, type_name=type_name)
            content_type = DOCX
            if kind == "pdf":
                try:
                    data, content_type = services.convert_to_pdf(data), "application/pdf"
                except DocumentError:
                    return HttpResponse(
                        _("Không chuyển được sổ sang PDF lúc này. Vui lòng thử lại hoặc tải bản DOCX."),
                        status=503,
                        content_type="text/plain; charset=utf-8",
                    )
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{stem}.{kind}"'
        return response
