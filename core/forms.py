from django import forms
from django.utils.translation import gettext_lazy as _


class ReauthPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
