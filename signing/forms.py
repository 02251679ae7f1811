from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class VerifyUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp PDF cần kiểm tra"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.VANTHU_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Tệp quá lớn: tối đa %(mb)s MB."), params={"mb": settings.VANTHU_MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Tệp rỗng (0 byte)."))
        return upload


class TrustBundleForm(forms.Form):
    file = forms.FileField(
        label=_("Gói chứng thư CA (.p7b, .cer, .crt, .pem, .der)"),
        help_text=_(
            "Tệp do rootca.gov.vn hoặc Ban Cơ yếu Chính phủ công bố. Chứng thư tự ký thành gốc tin cậy, các chứng "
            "thư CA khác chỉ dùng để dựng chuỗi. So dấu vân tay SHA-256 với giá trị được công bố trước khi nhập."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".p7b,.p7c,.cer,.crt,.pem,.der"}),
    )
