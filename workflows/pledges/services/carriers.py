"""The carriers registry: importing a spreadsheet (all rows or none) and the carriers' own correction requests."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.types import Actor, User
from places.services import find_commune
from workflows.pledges import registry
from workflows.pledges.errors import PledgeError
from workflows.pledges.models import Carrier, CorrectionRequest, Pledge


def apply_import(
    *, data: bytes, filename: str, user: User, choices: dict[int, str] | None = None
) -> registry.ImportPreview:
    """Write every new and changed row in one transaction, or nothing when any row is invalid or an old address
    is still unplaced (`choices`: file line → the commune code staff chose)."""
    preview = registry.preview_import(data=data, filename=filename, choices=choices)
    if preview.invalid:
        raise PledgeError(
            _("Tệp có %(n)d dòng không hợp lệ: sửa tệp rồi tải lên lại. Chưa có dòng nào được ghi.")
            % {"n": len(preview.invalid)}
        )
    if preview.ambiguous:
        raise PledgeError(
            _("Còn %(n)d dòng địa chỉ cũ chưa chọn xã, phường mới. Chưa có dòng nào được ghi.")
            % {"n": len(preview.ambiguous)}
        )
    with transaction.atomic():
        for row in preview.new:
            Carrier.objects.create(**row.values())
        for row in preview.changed:
            values = row.values()
            Carrier.objects.filter(pk=row.carrier_id).update(
                **{f: values[f] for f in row.changes}, updated_at=timezone.now()
            )
        log_action(
            "workflows.pledges.registry_imported",
            {"filename": filename, "new": len(preview.new), "changed": len(preview.changed)},
            user,
        )
    return preview


def request_correction(*, pledge: Pledge, changes: dict[str, str], note: str, user: Actor = None) -> CorrectionRequest:
    carrier = pledge.carrier
    # An empty box means "no change": a correction never blanks a registry field.
    diff = {
        f: str(v).strip()
        for f, v in changes.items()
        if f in registry.FIELDS and str(v or "").strip() and str(v).strip() != registry.field_value(carrier, f)
    }
    if not diff and not note.strip():
        raise PledgeError(_("Chưa có thông tin nào cần sửa."))
    request = CorrectionRequest.objects.create(pledge=pledge, changes=diff, note=note.strip())
    log_action("workflows.pledges.correction_requested", {"changes": diff, "note": note.strip()}, user, obj=pledge)
    return request


def handle_correction(*, correction: CorrectionRequest, apply: bool, user: User) -> None:
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.OPEN:
            return
        if apply:
            values = dict(correction.changes)
            if "commune" in values:  # kept by name, as the carrier chose it
                values["commune"] = find_commune(text=values["commune"])
            Carrier.objects.filter(pk=correction.pledge.carrier_id).update(**values)
        correction.status = CorrectionRequest.Status.APPLIED if apply else CorrectionRequest.Status.REJECTED
        correction.handled_by = user
        correction.handled_at = timezone.now()
        correction.save()
        log_action("workflows.pledges.correction_handled", {"applied": apply}, user, obj=correction.pledge)
