"""Forms of the batch pages (services.batch): which documents, and for the leader the signing method and its secret.
They only collect and check input; the batch service does the work."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import NumberForm, SignForm


class TaskSelectionField(forms.Field):
    """The ticked documents (task ids), in the page's order. Not checked against the list shown: a document that
    left the list meanwhile (signed in another tab) is reported by the service, not refused as a bad choice."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"required": _("Chưa chọn văn bản nào.")}

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [int(v) for v in values if str(v).isdigit()]


class BatchForm(forms.Form):
    """The selection, and — when the user has not proved who they are recently — the proof, in the same page
    (the password, or the authenticator's code once they have one: as core.reauth's own page asks)."""

    tasks = TaskSelectionField(label=_("Văn bản"))

    def __init__(self, *args, identity: str = "", **kwargs):
        """`identity`: "" (a fresh proof is held), "password" or "code"."""
        super().__init__(*args, **kwargs)
        self.identity = identity
        if identity == "password":
            self.fields["password"] = forms.CharField(
                label=_("Mật khẩu đăng nhập (xác thực lại)"),
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
        elif identity == "code":
            self.fields["code"] = forms.CharField(
                label=_("Mã xác thực (xác thực lại)"),
                max_length=24,
                help_text=_("6 chữ số trong ứng dụng xác thực, hoặc một mã dự phòng."),
                widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
            )

    @property
    def identity_field(self):
        return self[self.identity] if self.identity else None

    def step_fields(self):
        """The step's own fields (method, PIN, date…), in order, for the template."""
        return [self[name] for name in self.fields if name not in {"tasks", "password", "code"}]


class BatchNumberForm(BatchForm, NumberForm):
    pass


class BatchSealForm(BatchForm):
    pass


class BatchSignForm(BatchForm, SignForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not any(method["needs_otp"] for method in self.methods.values()):
            del self.fields["otp"]  # none of the leader's methods asks for one: one field less on the phone
