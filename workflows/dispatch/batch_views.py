"""The batch pages at /van-ban-di/hang-loat/…: the leader signs, the clerk numbers or seals several documents in one
action. Thin: check who may come, show the list, prove identity in the same page, call services.batch, report."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import generic

from core import reauth, second_factor

from . import selectors
from .batch_forms import BatchForm, BatchNumberForm, BatchSealForm, BatchSignForm
from .errors import DispatchError
from .services import batch, issuing
from .views import _method_choice


class BatchView(LoginRequiredMixin, generic.FormView):
    """One batch page; subclasses name the step, its permission, its form and how to call the service."""

    template_name = "dispatch/batch.html"
    node = ""
    permission = ""
    title = ""
    intro = ""
    list_label = ""
    empty = ""
    submit_label = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(f"dispatch.{self.permission}"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def rows(self):
        if not hasattr(self, "_rows"):
            self._rows = selectors.batch_rows(self.request.user, self.node)
        return self._rows

    def identity(self) -> str:
        if reauth.is_recently_authenticated(self.request):
            return ""
        return "code" if second_factor.has_second_factor(self.request.user) else "password"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "identity": self.identity()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "rows": self.rows,
                "title": self.title,
                "intro": self.intro,
                "list_label": self.list_label,
                "empty": self.empty,
                "submit_label": self.submit_label,
                "node": self.node,
                "minutes": max(1, settings.VANTHU_REAUTH_SECONDS // 60),
            }
        )
        return context

    def _identity_proved(self, form: BatchForm) -> bool:
        if form.identity == "code":
            if second_factor.verify_code(request=self.request, token=form.cleaned_data["code"]):
                return True
            form.add_error("code", _("Mã không đúng hoặc đã dùng. Hãy nhập mã mới trong ứng dụng."))
        elif form.identity == "password":
            if reauth.verify_password(self.request, password=form.cleaned_data["password"]):
                return True
            form.add_error("password", _("Mật khẩu không đúng."))
        else:
            return True
        return False

    def run(self, form) -> batch.BatchResult:
        raise NotImplementedError

    def done_text(self, count: int) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        if not self._identity_proved(form):
            return self.form_invalid(form)
        if not reauth.is_recently_authenticated(self.request):  # it expired between the page and the submit
            form.add_error(None, _("Vì an toàn, hãy xác thực lại trước khi ký số hoặc đóng dấu."))
            return self.form_invalid(form)
        try:
            result = self.run(form)
        except DispatchError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        self._report(result)
        return HttpResponseRedirect(self.request.path)

    def _report(self, result: batch.BatchResult) -> None:
        if result.done:
            count = len(result.done)
            numbers = ", ".join(p.number for p in result.done if p.number)
            text = self.done_text(count)
            messages.success(self.request, f"{text} {numbers}".strip())
        if result.done_before:
            count = len(result.done_before)
            messages.info(
                self.request,
                ngettext(
                    "%(count)d văn bản đã được xử lý ở lần gửi trước; không làm lại.",
                    "%(count)d văn bản đã được xử lý ở lần gửi trước; không làm lại.",
                    count,
                )
                % {"count": count},
            )
        for failure in result.failed:
            process = failure.process
            name = (process.number or process.subject[:60]) if process is not None else _("Việc không rõ")
            messages.error(
                self.request, _("Chưa xong: %(name)s — %(reason)s") % {"name": name, "reason": failure.reason}
            )


class BatchSignView(BatchView):
    node, permission = "sign", "can_sign_dispatchprocess"
    form_class = BatchSignForm
    title = gettext_lazy("Ký số hàng loạt")
    intro = gettext_lazy(
        "Chọn các văn bản chờ bạn ký rồi ký tất cả một lần: một lần nhập PIN (và mã OTP nếu có). Mỗi văn bản vẫn "
        "có chữ ký số riêng, đầy đủ, được ghi nhật ký riêng."
    )
    list_label = gettext_lazy("Văn bản chờ bạn ký")
    empty = gettext_lazy("Không có văn bản nào chờ bạn ký.")
    submit_label = gettext_lazy("Ký số các văn bản đã chọn")

    def done_text(self, count: int) -> str:
        return ngettext("Đã ký số %(count)d văn bản:", "Đã ký số %(count)d văn bản:", count) % {"count": count}

    def get_form_kwargs(self):
        methods = [_method_choice(m) for m in issuing.signing_methods(self.request.user)]
        return {**super().get_form_kwargs(), "methods": methods}

    def run(self, form) -> batch.BatchResult:
        return batch.sign_selected(
            user=self.request.user,
            task_pks=form.cleaned_data["tasks"],
            method=form.cleaned_data["method"],
            pin=form.cleaned_data["pin"],
            otp=form.cleaned_data.get("otp", ""),
        )


class BatchNumberView(BatchView):
    node, permission = "number", "can_number_dispatchprocess"
    form_class = BatchNumberForm
    title = gettext_lazy("Cấp số hàng loạt")
    intro = gettext_lazy(
        "Chọn các văn bản đã được lãnh đạo duyệt: mỗi văn bản nhận số tiếp theo trong sổ văn bản đi, liên tiếp "
        "theo thứ tự trong danh sách, và bản chính được tạo cùng lúc."
    )
    list_label = gettext_lazy("Văn bản chờ cấp số")
    empty = gettext_lazy("Không có văn bản nào chờ cấp số.")
    submit_label = gettext_lazy("Cấp số các văn bản đã chọn")

    def done_text(self, count: int) -> str:
        return ngettext("Đã cấp số %(count)d văn bản:", "Đã cấp số %(count)d văn bản:", count) % {"count": count}

    def run(self, form) -> batch.BatchResult:
        return batch.number_selected(
            user=self.request.user, task_pks=form.cleaned_data["tasks"], issued_date=form.cleaned_data["issued_date"]
        )


class BatchSealView(BatchView):
    node, permission = "seal", "can_seal_dispatchprocess"
    form_class = BatchSealForm
    title = gettext_lazy("Đóng dấu hàng loạt")
    intro = gettext_lazy(
        "Chọn các văn bản lãnh đạo đã ký: chữ ký số của cơ quan với hình con dấu được đặt lên từng văn bản, mỗi "
        "văn bản một lần ký riêng."
    )
    list_label = gettext_lazy("Văn bản chờ đóng dấu")
    empty = gettext_lazy("Không có văn bản nào chờ đóng dấu.")
    submit_label = gettext_lazy("Đóng dấu các văn bản đã chọn")

    def done_text(self, count: int) -> str:
        return ngettext("Đã đóng dấu %(count)d văn bản:", "Đã đóng dấu %(count)d văn bản:", count) % {"count": count}

    def run(self, form) -> batch.BatchResult:
        return batch.seal_selected(user=self.request.user, task_pks=form.cleaned_data["tasks"])
