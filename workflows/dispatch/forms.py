"""Forms of the dispatch steps. They only collect and check input; services do the work."""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Mapping, Sequence

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.organisation import organisation_info
from core.roles import Role
from templates_docs.doctypes import DOCUMENT_TYPES
from templates_docs.fields import has_field, types_with_field
from workflows.pledges.models import Carrier

from .drafts import DraftData, RecipientSpec
from .models import DispatchComment, DispatchProcess, DispatchRecipient

# Types a dispatch may take (pledges and certificates have their own process).
DISPATCH_TYPES = [slug for slug in DOCUMENT_TYPES if slug not in {"cam-ket", "giay-chung-nhan"}]
# The field of activity is the default one ("Bưu chính"); the form does not ask for it.
DRAFT_FIELDS_NOT_EDITED = frozenset({"field"})
# Fields that only some types print (templates_docs.fields): shown only for those types, refused for the others.
TYPE_DEPENDENT_FIELDS = ("legal_bases",)
APPROVED, RETURNED = DispatchComment.Decision.APPROVE, DispatchComment.Decision.RETURN


def _lines(text: str) -> list[str]:
    return [line.strip().lstrip("-").strip() for line in (text or "").splitlines() if line.strip().lstrip("-").strip()]


def dispatch_types_with(name: str) -> list[str]:
    """The dispatch types that print field `name`, e.g. the types with "Căn cứ"."""
    return [slug for slug in types_with_field(name) if slug in DISPATCH_TYPES]


def _leader_queryset():
    return (
        get_user_model()
        .objects.filter(groups__name=Role.LEADERSHIP.value, is_active=True)
        .order_by("last_name", "first_name")
        .distinct()
    )


class LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        profile = getattr(obj, "staff_profile", None)
        title = f" — {profile.title}" if profile and profile.title else ""
        return f"{obj.get_full_name() or obj.get_username()}{title}"


class PickerWidget(forms.CheckboxSelectMultiple):
    """One checkbox per place, in groups, that the page's script makes searchable: a filter as one types, "select all"
    for what the filter shows, and (for carriers) grouping by type or by commune. Plain checkboxes without it.

    `describe(value)` gives an option its detail line and its group under each grouping, e.g.
    ("Bưu cục · Xã Chi Lăng", {"kind": "Bưu cục", "commune": "Xã Chi Lăng"})."""

    template_name = "dispatch/widgets/picker.html"
    option_template_name = "dispatch/widgets/picker_option.html"

    def __init__(
        self, *args, search_label: str = "", groupings: Sequence[tuple[str, str]] = (), describe=None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.search_label = search_label or _("Tìm theo tên")
        self.groupings = list(groupings)  # (key, label) — the first is the one printed
        self.describe = describe

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["detail"], option["groups"] = self.describe(value) if self.describe else ("", {})
        return option

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = [
            option for _group, group_options, _index in context["widget"]["optgroups"] for option in group_options
        ]
        key = self.groupings[0][0] if self.groupings else ""
        buckets: dict[str, list] = {}
        for option in options:
            buckets.setdefault(option["groups"].get(key, ""), []).append(option)
        context["widget"]["buckets"] = list(buckets.items())
        context["widget"]["groupings"] = self.groupings
        context["widget"]["search_label"] = self.search_label
        context["widget"]["total"] = len(options)
        context["widget"]["checked"] = sum(1 for option in options if option["selected"])
        return context


def _describe_carrier(value) -> tuple[str, dict[str, str]]:
    carrier = getattr(value, "instance", None)
    if carrier is None:
        return "", {}
    commune = carrier.commune.name if carrier.commune_id else str(_("Chưa rõ xã, phường"))
    kind = carrier.get_kind_display()
    return f"{kind} · {commune}", {"kind": kind, "commune": commune}


class DraftForm(forms.ModelForm):
    """The draft's own fields come from `DispatchProcess` (labels, lengths, choices), those and only those that
    `DraftData` names; declared here are the ones entered differently (lines, a chosen leader, the organisation's
    units) and the recipients, which are rows of their own."""

    doc_type = forms.ChoiceField(label=_("Loại văn bản"))
    addressees = forms.CharField(
        label=_("Kính gửi"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Mỗi dòng một nơi.")
    )
    legal_bases = forms.CharField(
        label=_("Căn cứ"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Mỗi dòng một căn cứ.")
    )
    signer = LeaderChoiceField(label=_("Lãnh đạo ký"), queryset=get_user_model().objects.none())
    drafting_unit = forms.ChoiceField(label=_("Đơn vị soạn thảo"), required=False)
    units = forms.MultipleChoiceField(
        label=_("Đơn vị trong Sở"), required=False, widget=PickerWidget(search_label=_("Tìm đơn vị"))
    )
    carriers = forms.ModelMultipleChoiceField(
        label=_("Doanh nghiệp, bưu cục, điểm phục vụ bưu chính"),
        queryset=Carrier.objects.none(),
        required=False,
        widget=PickerWidget(
            search_label=_("Tìm theo tên, loại hoặc xã, phường"),
            groupings=[("kind", _("loại")), ("commune", _("xã, phường"))],
            describe=_describe_carrier,
        ),
    )
    agencies = forms.CharField(
        label=_("Cơ quan khác"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mỗi dòng: Tên cơ quan | mã định danh (edXML) | thư điện tử (không bắt buộc)."),
    )
    other_recipients = forms.CharField(
        label=_("Ghi thêm"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mỗi dòng một nơi, ví dụ: Lãnh đạo Sở (b/c)."),
    )
    attachment = forms.FileField(label=_("Phụ lục (tệp đính kèm)"), required=False)
    attachment_title = forms.CharField(label=_("Tên phụ lục"), max_length=255, required=False)

    # The page's sections, in order: (legend, field names). Fields not named here are shown at the end.
    SECTIONS = (
        (_("Văn bản"), ("doc_type", "subject", "addressees", "legal_bases", "body", "urgency")),
        (_("Người ký"), ("signer", "authority_prefix", "authority_title", "drafting_unit")),
        (_("Nơi nhận"), ("units", "carriers", "agencies", "other_recipients")),
        (_("Phụ lục và công khai"), ("attachment", "attachment_title", "is_public")),
    )

    class Media:
        css = {"all": ["dispatch/draft.css"]}
        js = ["dispatch/draft.js"]

    class Meta:
        model = DispatchProcess
        fields = [name for name in DraftData.process_fields() if name not in DRAFT_FIELDS_NOT_EDITED]
        labels = {"is_public": _("Công khai trên cổng thông tin khi phát hành")}
        widgets = {
            "subject": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 14}),
        }
        help_texts = {
            "subject": _('Công văn: bắt đầu bằng "V/v ...".'),
            "body": _("Mỗi đoạn một dòng."),
            "authority_title": _("Khi ký thay (KT.), ví dụ: GIÁM ĐỐC."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].required = True  # the model allows an empty body: a process starts before its draft
        self.fields["doc_type"].choices = [(slug, DOCUMENT_TYPES[slug].name) for slug in DISPATCH_TYPES]
        for name in TYPE_DEPENDENT_FIELDS:
            self.fields[name].doc_types = " ".join(dispatch_types_with(name))  # read by the page's script
        with_bases = ", ".join(DOCUMENT_TYPES[slug].name for slug in dispatch_types_with("legal_bases"))
        self.fields["legal_bases"].help_text = _("Mỗi dòng một căn cứ. Chỉ có ở: %(types)s.") % {"types": with_bases}
        self.fields["signer"].queryset = _leader_queryset()
        units = organisation_info()["units"]
        self.fields["drafting_unit"].choices = [("", "—")] + [(u["abbreviation"], u["name"]) for u in units]
        self.fields["units"].choices = [(u["abbreviation"], f"{u['name']} ({u['abbreviation']})") for u in units]
        self.fields["carriers"].queryset = (
            Carrier.objects.filter(is_active=True).select_related("commune").order_by("kind", "name")
        )

    def sections(self) -> list[tuple[str, list]]:
        """The bound fields grouped as the page shows them."""
        named = {name for _legend, names in self.SECTIONS for name in names}
        groups = [(legend, [self[name] for name in names if name in self.fields]) for legend, names in self.SECTIONS]
        rest = [self[name] for name in self.fields if name not in named]
        if rest:
            groups[-1][1].extend(rest)
        return groups

    def clean_agencies(self) -> list[RecipientSpec]:
        specs = []
        for line in _lines(self.cleaned_data.get("agencies", "")):
            parts = [p.strip() for p in line.split("|")]
            name, organ_id, email = (parts + ["", "", ""])[:3]
            if len(organ_id) > 13:
                raise forms.ValidationError(_("Mã định danh cơ quan tối đa 13 ký tự: %(code)s") % {"code": organ_id})
            if email:
                try:
                    validate_email(email)
                except forms.ValidationError:
                    raise forms.ValidationError(_("Thư điện tử không hợp lệ: %(email)s") % {"email": email}) from None
            specs.append(RecipientSpec(kind=DispatchRecipient.Kind.AGENCY, name=name, organ_id=organ_id, email=email))
        return specs

    def clean(self):
        cleaned = super().clean()
        signer = cleaned.get("signer")
        doc_type = cleaned.get("doc_type")
        if doc_type and cleaned.get("legal_bases") and not has_field(doc_type, "legal_bases"):
            self.add_error(
                "legal_bases",
                _("%(type)s không có phần căn cứ: hãy xóa các dòng căn cứ hoặc chọn loại văn bản khác.")
                % {"type": DOCUMENT_TYPES[doc_type].name},
            )
        if cleaned.get("authority_prefix") and not cleaned.get("authority_title"):
            self.add_error("authority_title", _("Khi ký thay, hãy ghi chức vụ của người đứng đầu (ví dụ: GIÁM ĐỐC)."))
        if signer is not None and self.author is not None and signer.pk == self.author.pk:
            self.add_error("signer", _("Người soạn thảo không thể đồng thời là người ký duyệt."))
        if all(name in cleaned for name in ("units", "carriers", "agencies", "other_recipients")):
            self._refuse_doubled_recipients()
        return cleaned

    def _refuse_doubled_recipients(self) -> None:
        """A place named twice would be printed twice under "Nơi nhận": say so instead of printing or dropping it."""
        seen: set[str] = set()
        for spec in self._recipient_specs():
            key = " ".join(spec.name.casefold().split())
            if key in seen:
                self.add_error(
                    "other_recipients",
                    _("Nơi nhận “%(name)s” được chọn hoặc ghi hai lần: hãy bỏ một lần.") % {"name": spec.name},
                )
            seen.add(key)

    author = None

    def clean_addressees(self) -> list[str]:
        return _lines(self.cleaned_data.get("addressees", ""))

    def clean_legal_bases(self) -> list[str]:
        return _lines(self.cleaned_data.get("legal_bases", ""))

    def _recipient_specs(self) -> list[RecipientSpec]:
        data = self.cleaned_data
        unit_names = dict(self.fields["units"].choices)
        recipients = [
            RecipientSpec(
                kind=DispatchRecipient.Kind.UNIT, name=unit_names[abbr].rsplit(" (", 1)[0], unit_abbreviation=abbr
            )
            for abbr in data["units"]
        ]
        recipients += [
            RecipientSpec(kind=DispatchRecipient.Kind.CARRIER, name=c.name, carrier_id=c.pk, email=c.email)
            for c in data["carriers"]
        ]
        recipients += data["agencies"]
        recipients += [
            RecipientSpec(kind=DispatchRecipient.Kind.TEXT, name=n) for n in _lines(data["other_recipients"])
        ]
        return recipients

    def draft_data(self) -> DraftData:
        data = self.cleaned_data
        return DraftData(**{name: data[name] for name in self._meta.fields}, recipients=self._recipient_specs())

    @classmethod
    def initial_from(cls, process: DispatchProcess) -> dict:
        draft = DraftData.of(process)
        initial = {name: getattr(draft, name) for name in cls._meta.fields}
        recipients = draft.recipients
        return initial | {
            "addressees": "\n".join(draft.addressees),
            "legal_bases": "\n".join(draft.legal_bases),
            "signer": process.signer_id,
            "units": [r.unit_abbreviation for r in recipients if r.kind == DispatchRecipient.Kind.UNIT],
            "carriers": [r.carrier_id for r in recipients if r.kind == DispatchRecipient.Kind.CARRIER],
            "agencies": "\n".join(
                " | ".join(p for p in (r.name, r.organ_id, r.email) if p)
                if not r.email
                else f"{r.name} | {r.organ_id} | {r.email}"
                for r in recipients
                if r.kind == DispatchRecipient.Kind.AGENCY
            ),
            "other_recipients": "\n".join(r.name for r in recipients if r.kind == DispatchRecipient.Kind.TEXT),
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Quyết định"),
        choices=[(APPROVED, _("Đồng ý")), (RETURNED, _("Trả lại để sửa"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == RETURNED and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Khi trả lại, hãy ghi rõ ý kiến để người soạn thảo sửa."))
        return cleaned


class NumberForm(forms.Form):
    issued_date = forms.DateField(
        label=_("Ngày ban hành"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )

    def clean_issued_date(self) -> datetime.date:
        value = self.cleaned_data["issued_date"]
        today = timezone.localdate()
        if value > today or value.year != today.year:
            raise forms.ValidationError(_("Ngày ban hành phải là một ngày trong năm nay, không sau hôm nay."))
        return value


class ConfirmForm(forms.Form):
    """A step with nothing to fill in: the button is the decision."""


class SignForm(forms.Form):
    """The leader's one-step signature: which of their methods, and the secret it needs, typed now."""

    method = forms.ChoiceField(label=_("Ký bằng"), widget=forms.RadioSelect)
    pin = forms.CharField(
        label=_("PIN ký số"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("PIN của chứng thư số hoặc của thiết bị ký; hệ thống không lưu PIN."),
    )
    otp = forms.CharField(
        label=_("Mã OTP"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Chỉ khi nhà cung cấp ký số từ xa yêu cầu (mã trên điện thoại)."),
    )

    def __init__(self, *args, methods: Sequence[Mapping], **kwargs):
        """`methods`: dicts with `value`, `label`, `needs_pin`, `needs_otp` (the view builds them)."""
        super().__init__(*args, **kwargs)
        self.methods = {m["value"]: m for m in methods}
        self.fields["method"].choices = [(m["value"], m["label"]) for m in methods]
        if len(methods) == 1:
            self.fields["method"].initial = methods[0]["value"]

    def clean(self):
        cleaned = super().clean()
        method = self.methods.get(cleaned.get("method", ""))
        if method is None:
            return cleaned
        if method["needs_pin"] and not cleaned.get("pin"):
            self.add_error("pin", _("Cần nhập PIN để ký."))
        if method["needs_otp"] and not (cleaned.get("otp") or "").strip():
            self.add_error("otp", _("Cần nhập mã OTP để ký."))
        return cleaned


class ExternalPrepareForm(forms.Form):
    certificate = forms.FileField(label=_("Chứng thư số của bạn (tệp .cer/.crt/.der)"))

    def clean_certificate(self) -> bytes:
        data = self.cleaned_data["certificate"].read()
        if b"-----BEGIN CERTIFICATE-----" in data:
            body = data.split(b"-----BEGIN CERTIFICATE-----", 1)[1].split(b"-----END CERTIFICATE-----", 1)[0]
            data = base64.b64decode(b"".join(body.split()))
        if not data or data[:1] != b"\x30":
            raise forms.ValidationError(_("Tệp không phải là một chứng thư số (DER hoặc PEM)."))
        return data


class ExternalFinishForm(forms.Form):
    signature = forms.CharField(
        label=_("Giá trị chữ ký từ thiết bị ký (base64)"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_signature(self) -> bytes:
        try:
            return base64.b64decode("".join(self.cleaned_data["signature"].split()), validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(_("Giá trị chữ ký phải ở dạng base64.")) from None
