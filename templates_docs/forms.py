from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from templates_docs.models import DOC_TYPE_CHOICES

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class RegisterFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int, required=False, empty_value=None)
    doc_type = forms.ChoiceField(label=_("Loại văn bản"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Tất cả"))] + [(y, str(y)) for y in years]
        self.fields["doc_type"].choices = [("", _("Tất cả"))] + DOC_TYPE_CHOICES


class TemplateUploadForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Loại văn bản"), choices=DOC_TYPE_CHOICES)
    file = forms.FileField(
        label=_("Tệp mẫu DOCX"),
        help_text=_(
            "Mẫu DOCX dùng cú pháp docxtpl/Jinja, ví dụ {{ agency }}, {{ number_text }}, {{r body_last }}. "
            "Tải mẫu đang dùng về để sửa. Mẫu có tên trường lạ hoặc sai cú pháp sẽ bị từ chối."
        ),
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = min(MAX_TEMPLATE_BYTES, settings.VANTHU_MAX_UPLOAD_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": limit // (1024 * 1024)})
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError(_("Chỉ nhận tệp .docx."))
        return upload
