"""The dispatch trail in Vietnamese words: one sentence per audit code the dispatch app writes.

`SENTENCES` maps each code to a gettext sentence with %(who)s, %(version)s, %(number)s, %(recipient)s placeholders;
`describe(entry)` fills it from the entry (who with their title, the version, the number) and `sentences(trail)`
pairs each entry with its sentence for the document page. A code without a sentence shows a plain fallback, and a
test fails if the dispatch services write a code missing from the mapping.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SENTENCES = {
    "workflows.dispatch.created": gettext_lazy("%(who)s tạo dự thảo"),
    "workflows.dispatch.draft_saved": gettext_lazy("%(who)s lưu dự thảo %(version)s"),
    "workflows.dispatch.draft_rendered": gettext_lazy("%(who)s tạo bản xem trước của dự thảo %(version)s"),
    "workflows.dispatch.attachment_added": gettext_lazy("%(who)s đính kèm tệp vào dự thảo %(version)s"),
    "workflows.dispatch.attachment_refused": gettext_lazy("Tệp đính kèm của %(who)s bị từ chối"),
    "workflows.dispatch.submitted": gettext_lazy("%(who)s trình dự thảo %(version)s"),
    "workflows.dispatch.review_approved": gettext_lazy("%(who)s duyệt dự thảo %(version)s"),
    "workflows.dispatch.review_returned": gettext_lazy("%(who)s trả lại dự thảo %(version)s để sửa"),
    "workflows.dispatch.approve_approved": gettext_lazy("%(who)s phê duyệt dự thảo %(version)s"),
    "workflows.dispatch.approve_returned": gettext_lazy("%(who)s không phê duyệt, trả lại dự thảo %(version)s"),
    "workflows.dispatch.numbered": gettext_lazy("%(who)s cấp số %(number)s cho văn bản"),
    "workflows.dispatch.number_failed": gettext_lazy("Cấp số không thành công (%(who)s)"),
    "workflows.dispatch.signed": gettext_lazy("%(who)s ký số văn bản %(number)s"),
    "workflows.dispatch.sign_failed": gettext_lazy("Ký số không thành công (%(who)s)"),
    "workflows.dispatch.external_sign_prepared": gettext_lazy("%(who)s chuẩn bị văn bản để ký bằng công cụ ngoài"),
    "workflows.dispatch.sealed": gettext_lazy("%(who)s đóng dấu số lên văn bản %(number)s"),
    "workflows.dispatch.seal_failed": gettext_lazy("Đóng dấu số không thành công (%(who)s)"),
    "workflows.dispatch.sent": gettext_lazy("%(who)s gửi văn bản %(number)s"),
    "workflows.dispatch.published": gettext_lazy("Văn bản %(number)s được công bố cho nơi nhận"),
    "workflows.dispatch.reminded": gettext_lazy("Nhắc nơi nhận %(recipient)s"),
    "workflows.dispatch.opened": gettext_lazy("%(recipient)s mở văn bản (%(who)s)"),
    "workflows.dispatch.acknowledged": gettext_lazy("%(recipient)s xác nhận đã nhận văn bản (%(who)s)"),
    "workflows.dispatch.downloaded": gettext_lazy("%(who)s tải văn bản xuống"),
}


def _who(entry) -> str:
    actor = entry.actor
    if actor is None:
        return entry.actor_label or _("Hệ thống")
    name = actor.get_full_name() or actor.get_username()
    profile = getattr(actor, "staff_profile", None)
    return f"{name} ({profile.title})" if profile is not None and profile.title else name


def describe(entry) -> str:
    """The entry as one Vietnamese sentence: who did what, with which version, at what time."""
    data = entry.data or {}
    template = SENTENCES.get(entry.code)
    values = {
        "who": _who(entry),
        "version": data.get("version", ""),
        "number": data.get("number", ""),
        "recipient": data.get("recipient", ""),
    }
    sentence = str(template) % values if template is not None else _("%(who)s thực hiện một thao tác") % values
    when = date_format(timezone.localtime(entry.created_at), "H:i d/m/Y")
    return _("%(sentence)s lúc %(when)s") % {"sentence": sentence, "when": when}


def sentences(trail) -> list[tuple]:
    """Each entry with its sentence, for the document page."""
    return [(entry, describe(entry)) for entry in trail]
