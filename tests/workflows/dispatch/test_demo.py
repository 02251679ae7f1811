"""`make demo` shows the whole process at once, and loading twice changes nothing."""

from __future__ import annotations

import io

from django.utils.module_loading import import_string
from viewflow.workflow.models import Task

from cms.models import DirectivePage
from core.audit import AuditEntry
from signing.services import validate_pdf
from workflows.dispatch.models import DispatchProcess, DispatchRecipient, DispatchRevision

LOADERS = ("core.demo.load", "signing.demo.load", "workflows.dispatch.demo.load")


def _load() -> str:
    out = io.StringIO()
    for loader in LOADERS:
        import_string(loader)(out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    dispatch_entries = AuditEntry.objects.filter(code__startswith="workflows.dispatch.")
    return (
        DispatchProcess.objects.count(),
        Task.objects.count(),
        DispatchRevision.objects.count(),
        dispatch_entries.count(),
        DirectivePage.objects.count(),
    )


def test_demo_dispatches_in_every_state_idempotent(db, signing_pki):
    output = _load()
    assert "Lạng Sơn" in output
    stages = {p.data["demo_key"]: p.stage for p in DispatchProcess.objects.all()}
    assert stages == {"draft": "drafting", "review": "reviewing", "returned": "returned", "lang-son": "sent"}

    returned = DispatchProcess.objects.get(data__demo_key="returned")
    assert returned.comments.get().decision == "return"
    lang_son = DispatchProcess.objects.get(data__demo_key="lang-son")
    assert lang_son.number.endswith("/STTTT-TTr")
    sealed = lang_son.latest_revision(DispatchRevision.Kind.SEALED)
    report = validate_pdf(sealed.pdf.read())
    assert len(report.signatures) == 2 and all(s.intact and s.valid for s in report.signatures)
    carrier_line = lang_son.recipients.get(kind=DispatchRecipient.Kind.CARRIER)
    assert carrier_line.carrier.users.filter(username="doanhnghiep").exists()
    assert DirectivePage.objects.filter(source_key=f"dispatch:{lang_son.pk}", live=True).exists()

    before = _counts()
    _load()
    assert _counts() == before
