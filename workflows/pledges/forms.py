from __future__ import annotations

import base64
import binascii

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from places.models import Commune
from places.selectors import current_communes
from workflows.pledges.models import Campaign, Carrier


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực (6 chữ số)"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}),
    )


class SimpleSignForm(OtpForm):
    typed_name = forms.CharField(label=_("Họ tên người đại diện"), max_length=200)
    signature = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_signature(self) -> bytes:
        value = self.cleaned_data.get("signature") or ""
        prefix = "data:image/png;base64,"
        if not value.startswith(prefix):
            raise forms.ValidationError(_("Vui lòng vẽ chữ ký vào khung."))
        try:
            data = base64.b64decode(value[len(prefix) :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError(_("Chữ ký vẽ không đọc được, vui lòng vẽ lại.")) from exc
        if len(data) > 512 * 1024:
            raise forms.ValidationError(_("Ảnh chữ ký quá lớn."))
        return data


class Pkcs12Form(forms.Form):
    certificate = forms.FileField(label=_("Tệp chứng thư số (.p12 / .pfx)"))
    password = forms.CharField(label=_("Mật khẩu của tệp"), widget=forms.PasswordInput, required=False)


class UploadForm(forms.Form):
    signed_pdf = forms.FileField(label=_("Tệp PDF đã ký số"))

    def clean_signed_pdf(self):
        upload = self.cleaned_data["signed_pdf"]
        if upload.size > settings.VANTHU_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Tệp quá lớn."))
        return upload


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Lý do từ chối"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class CorrectionForm(forms.Form):
    name = forms.CharField(label=_("Tên"), max_length=255, required=False)
    address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    commune = forms.ChoiceField(label=_("Xã, phường"), required=False)
    representative = forms.CharField(label=_("Người đại diện"), max_length=200, required=False)
    representative_title = forms.CharField(label=_("Chức vụ"), max_length=200, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=50, required=False)
    tax_code = forms.CharField(label=_("Mã số thuế"), max_length=20, required=False)
    licence_number = forms.CharField(label=_("Số giấy phép bưu chính"), max_length=100, required=False)
    note = forms.CharField(label=_("Ghi chú"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "—"), *((c.name, c.name) for c in current_communes())]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV hoặc XLSX"))


class CampaignForm(forms.ModelForm):
    target_communes = forms.ModelMultipleChoiceField(
        label=_("Các xã, phường"),
        queryset=Commune.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Giữ phím Ctrl (hoặc Cmd) để chọn nhiều xã, phường."),
    )
    target_kinds = forms.MultipleChoiceField(
        label=_("Các loại"), required=False, choices=Carrier.Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    reminder_days = forms.CharField(
        label=_("Nhắc trước hạn (ngày, cách nhau bởi dấu phẩy)"), required=False, initial="7, 3, 1"
    )

    class Meta:
        model = Campaign
        fields = [
            "title",
            "slug",
            "description",
            "template_doc_type",
            "pledge_subject",
            "pledge_body",
            "opens_at",
            "closes_at",
            "target",
            "target_communes",
            "target_kinds",
            "target_carriers",
            "reminder_days",
        ]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "target_carriers": forms.SelectMultiple(attrs={"size": 10}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_communes"].queryset = current_communes()
        self.fields["closes_at"].required = True
        if self.instance.pk and isinstance(self.instance.reminder_days, list):
            self.initial["reminder_days"] = ", ".join(str(d) for d in self.instance.reminder_days)

    def clean_reminder_days(self) -> list[int]:
        raw = self.cleaned_data.get("reminder_days") or ""
        try:
            days = sorted({int(part) for part in raw.replace(";", ",").split(",") if part.strip()}, reverse=True)
        except ValueError as exc:
            raise forms.ValidationError(_("Nhập các số ngày, ví dụ: 7, 3, 1.")) from exc
        if any(d < 0 or d > 365 for d in days):
            raise forms.ValidationError(_("Số ngày phải từ 0 đến 365."))
        return days

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Hạn ký phải sau ngày mở."))
        target = data.get("target")
        if target == Campaign.Target.COMMUNE and not data.get("target_communes"):
            self.add_error("target_communes", _("Chọn ít nhất một xã, phường."))
        if target == Campaign.Target.KIND and not data.get("target_kinds"):
            self.add_error("target_kinds", _("Chọn ít nhất một loại."))
        if target == Campaign.Target.PICKED and not data.get("target_carriers"):
            self.add_error("target_carriers", _("Chọn ít nhất một đơn vị."))
        return data
