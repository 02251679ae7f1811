"""Forms of the incoming pages: the clerk's registration, the list's search, the register's period."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from templates_docs.doctypes import Urgency

from .models import Channel, Status

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegistrationForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Hình thức nhận"), choices=[c for c in Channel.choices if c[0] != Channel.EDXML]
    )
    file = forms.FileField(label=_("Tệp PDF hoặc bản quét"), required=False)
    issuer_name = forms.CharField(label=_("Cơ quan ban hành"), max_length=255, required=False)
    code = forms.CharField(label=_("Số, ký hiệu"), max_length=64, required=False)
    issued_date = forms.DateField(label=_("Ngày văn bản"), required=False, widget=_DATE)
    doc_type = forms.CharField(label=_("Tên loại"), max_length=100, required=False)
    subject = forms.CharField(label=_("Trích yếu"), max_length=500, required=False, widget=forms.Textarea({"rows": 3}))
    signer_name = forms.CharField(label=_("Người ký"), max_length=200, required=False)
    urgency = forms.ChoiceField(label=_("Độ khẩn"), choices=Urgency.choices, required=False)
    deadline = forms.DateField(label=_("Hạn giải quyết"), required=False, widget=_DATE)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)
    confirm_duplicate = forms.BooleanField(label=_("Tôi đã kiểm tra: vẫn vào sổ"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    held = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)  # a file read for the prefill


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm (số, ký hiệu, trích yếu, cơ quan, nội dung)"), required=False, max_length=200)
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_("Trạng thái"), required=False, choices=[("", _("Tất cả")), *Status.choices])

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Tất cả")), *((y, str(y)) for y in years)]


class RegisterPeriodForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(label=_("Từ ngày"), required=False, widget=_DATE)
    date_to = forms.DateField(label=_("Đến ngày"), required=False, widget=_DATE)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Tất cả")), *((y, str(y)) for y in years)]


class DirectForm(forms.Form):
    lead_unit = forms.ChoiceField(label=_("Đơn vị chủ trì"), widget=forms.RadioSelect)
    cooperating_units = forms.MultipleChoiceField(
        label=_("Đơn vị phối hợp"), required=False, widget=forms.CheckboxSelectMultiple
    )
    deadline = forms.DateField(label=_("Hạn giải quyết"), widget=_DATE)
    note = forms.CharField(
        label=_("Ý kiến chỉ đạo"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Để trống: ghi “Giao … chủ trì, … phối hợp.”"),
    )

    def __init__(self, *args, units: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(units.items())
        self.fields["lead_unit"].choices = choices
        self.fields["cooperating_units"].choices = choices


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("Người giải quyết"), queryset=None, empty_label=None)
    deadline = forms.DateField(label=_("Hạn giải quyết"), widget=_DATE)
    note = forms.CharField(label=_("Ý kiến"), required=False, max_length=4000, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = members
        self.fields["handler"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class CloseForm(forms.Form):
    resolution = forms.CharField(
        label=_("Kết quả giải quyết"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("Có thể để trống khi đã có văn bản trả lời."),
    )


class OpinionForm(forms.Form):
    text = forms.CharField(label=_("Ý kiến"), max_length=4000, widget=forms.Textarea({"rows": 3}))


class RecallDecisionForm(forms.Form):
    ACCEPT, REFUSE = "accept", "refuse"
    decision = forms.ChoiceField(
        label=_("Quyết định"),
        widget=forms.RadioSelect,
        choices=[
            (ACCEPT, _("Đồng ý thu hồi (mã 15): văn bản rút khỏi danh sách và sổ")),
            (REFUSE, _("Từ chối thu hồi (mã 16): văn bản tiếp tục được giải quyết")),
        ],
    )
    note = forms.CharField(
        label=_("Ý kiến gửi bên gửi"), max_length=1000, required=False, widget=forms.Textarea({"rows": 2})
    )


class ExtensionRequestForm(forms.Form):
    until = forms.DateField(label=_("Đề nghị gia hạn đến"), widget=_DATE)
    reason = forms.CharField(label=_("Lý do"), max_length=1000, widget=forms.Textarea({"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Đồng ý")), ("refuse", _("Không đồng ý"))])
    note = forms.CharField(label=_("Ý kiến"), required=False, max_length=1000)
