"""Making the dispatch official: the clerk numbers it (final PDF), the leader signs it (in one step with one of
their own signing methods and the PIN/OTP they type, or in two with a token or a provider's own API), the clerk
applies the organisation's seal."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import log_action
from core.organisation import organisation_info
from core.types import User
from signing import personal
from signing.errors import SigningError
from signing.models import SigningKey
from signing.services import (
    finish_external_signature,
    new_verification_code,
    prepare_external_signature,
    record_issued_revision,
    sign_pdf,
    verification_url,
)
from templates_docs.services import register_outgoing
from workflows.dispatch.errors import DispatchError
from workflows.dispatch.models import DispatchProcess, DispatchRevision, ExternalSignature, Stage
from workflows.dispatch.services.documents import recipient_lines, render, store_revision, user_label
from workflows.dispatch.services.steps import require_step

FINAL, SIGNED, SEALED = DispatchRevision.Kind.FINAL, DispatchRevision.Kind.SIGNED, DispatchRevision.Kind.SEALED


def lock_process(process: DispatchProcess) -> DispatchProcess:
    return DispatchProcess.objects.select_for_update().get(pk=process.pk)


def copy_state(process: DispatchProcess, source: DispatchProcess) -> None:
    """Copy the committed state onto the caller's instance (the flow keeps using it)."""
    for f in DispatchProcess._meta.concrete_fields:
        if not f.primary_key:
            setattr(process, f.attname, getattr(source, f.attname))


@contextmanager
def _signing_refusals() -> Iterator[None]:
    """The signing library's refusal, as this process's error (its Vietnamese message kept)."""
    try:
        yield
    except SigningError as exc:
        raise DispatchError(exc.user_message or _("Không ký được văn bản."), detail=str(exc)) from exc


@contextmanager
def _signature_step(
    process: DispatchProcess, user: User, step: str
) -> Iterator[tuple[DispatchProcess, DispatchRevision | None, DispatchRevision]]:
    """The leader's signature ("sign") or the seal ("seal"), failures recorded, in one transaction holding the
    process lock; yields the locked process, the revision this step made if it already ran (a repeated submit),
    and the latest revision it signs."""
    if step == "sign":
        adds, signs, missing = SIGNED, FINAL, _("Văn bản chưa được cấp số.")
    else:
        adds, signs, missing = SEALED, SIGNED, _("Lãnh đạo chưa ký văn bản này.")
    with _failure_recorded(process, user, step), transaction.atomic():
        locked = lock_process(process)
        done, base = locked.latest_revision(adds), locked.latest_revision(signs)
        if done is None and base is None:
            raise DispatchError(missing)
        yield locked, done, base


@contextmanager
def _failure_recorded(process: DispatchProcess, user: User, step: str) -> Iterator[None]:
    """Run a step; if it fails, keep the message on the process and in the audit log, then re-raise.

    Used outside the step's own transaction, so the failure record survives the rollback of the step.
    """
    try:
        yield
    except DispatchError as exc:
        record_failure(process=process, user=user, step=step, error=exc)
        raise


def record_failure(*, process: DispatchProcess, user: User, step: str, error: DispatchError) -> None:
    """Keep a step's failure on the process (shown on its page) and in the audit log; call it outside (after) the
    transaction that failed, so the record survives its rollback."""
    DispatchProcess.objects.filter(pk=process.pk).update(last_error=error.message)
    process.last_error = error.message
    log_action(f"workflows.dispatch.{step}_failed", {"error": str(error)[:500]}, user, obj=process)


def answer_note(process: DispatchProcess) -> str:
    """The outgoing register's note for a reply: which incoming document it answers (printed in Vietnamese)."""
    answered = process.answers
    if answered is None:
        return ""
    code = f" ({answered.code})" if answered.code else ""
    return f"Trả lời văn bản đến số {answered}{code}"[:500]


def number_dispatch(
    *, process: DispatchProcess, user: User, issued_date: datetime.date | None = None
) -> DispatchRevision:
    """Take the next number of the register, record the issue date and render the final document, all at once.

    One transaction: if rendering fails the number is given back (the register stays gap-free) and the task
    stays with the clerk. Numbering an already numbered dispatch returns its final revision unchanged.
    """
    with _failure_recorded(process, user, "number"), transaction.atomic():
        locked = lock_process(process)
        if locked.number:
            existing = locked.latest_revision(DispatchRevision.Kind.FINAL)
            if existing is not None:
                return existing
        require_step(locked, user, stages=(Stage.NUMBERING,), permission="can_number_dispatchprocess")
        issued = issued_date or timezone.localdate()
        org = organisation_info()
        entry = register_outgoing(
            doc_type=locked.doc_type,
            issued_date=issued,
            agency_abbreviation=org["abbreviation"],
            drafting_unit=locked.drafting_unit,
            subject=locked.subject,
            signer_name=user_label(locked.signer),
            recipients=recipient_lines(locked),
            copies=1,
            note=answer_note(locked),
        )
        locked.number = entry.code
        locked.code_number = entry.number
        locked.issued_date = issued
        locked.register_entry = str(entry.pk)
        locked.verification_code = new_verification_code()
        rendered = render(locked, draft=False, verification_url=verification_url(locked.verification_code))
        page_index, box = rendered.signature_box
        locked.signature_page = page_index
        locked.signature_box = list(box)
        locked.stage = Stage.SIGNING
        locked.last_error = ""
        locked.save()
        revision = store_revision(
            locked,
            kind=DispatchRevision.Kind.FINAL,
            pdf=rendered.pdf,
            docx=rendered.docx,
            user=user,
            rendered=rendered,
        )
        log_action(
            "workflows.dispatch.numbered",
            {
                "number": locked.number,
                "issued_date": issued,
                "sha256": revision.pdf.sha256,
                "docx_sha256": revision.docx.sha256 if revision.docx else "",
            },
            user,
            obj=locked,
        )
    copy_state(process, locked)
    return revision


def seal_box(box: Sequence[float]) -> tuple[float, float, float, float]:
    """A square as tall as the signature box, centred on its left third (ND30: the seal covers that third)."""
    x1, y1, x2, y2 = box
    side = y2 - y1
    centre = x1 + (x2 - x1) / 6
    return (centre - side / 2, y1, centre + side / 2, y2)


def record_signature(
    locked: DispatchProcess, process: DispatchProcess, *, user, base: DispatchRevision, pdf: bytes, step: str
) -> DispatchRevision:
    """Store the signed (or sealed) PDF as the next revision over `base`, move the stage on, audit it; inside the
    transaction holding `locked` (the process row)."""
    kind = SIGNED if step == "signed" else SEALED
    revision = store_revision(locked, kind=kind, pdf=pdf, user=user, previous=base)
    locked.stage = Stage.SEALING if step == "signed" else Stage.SENDING
    locked.last_error = ""
    locked.save(update_fields=["stage", "last_error"])
    log_action(
        f"workflows.dispatch.{step}",
        {"number": locked.number, "sha256": revision.pdf.sha256, "previous_sha256": base.pdf.sha256},
        user,
        obj=locked,
    )
    copy_state(process, locked)
    return revision


def signing_methods(user: User) -> list[personal.SigningMethod]:
    """The leader's own ways to sign in one step (remote credential, PIN-protected key, token)."""
    return personal.signing_methods_for(user)


def document_to_sign(locked: DispatchProcess, base: DispatchRevision) -> personal.DocumentToSign:
    """What the leader's signature on `base` (the final PDF) is: level, image, the box the number step placed."""
    return personal.DocumentToSign(
        base.pdf.read(),
        level=settings.VANTHU_DISPATCH_SIGN_LEVEL,
        appearance="signature",
        page=locked.signature_page,
        box=tuple(locked.signature_box) if locked.signature_box else None,
    )


def sign_documents(
    documents: Sequence[personal.DocumentToSign], *, user: User, method: str, pin: str, otp: str, description: str
) -> list[bytes]:
    """The leader's personal signatures on every document with one authorisation (one PIN entry; one remote
    `credentials/authorize` for all), all or nothing; the signing library's refusal as a `DispatchError`."""
    kind, _sep, ref = (method or "").partition(":")
    with _signing_refusals():
        return personal.sign_batch(
            documents, holder=user, kind=kind, ref=ref, pin=pin, otp=otp, description=description
        )


def sign_dispatch(
    *, process: DispatchProcess, user: User, method: str, pin: str = "", otp: str = ""
) -> DispatchRevision:
    """The leader's own signature (PAdES B-T, signature image in the signature box) on the final PDF.

    `method` is "<kind>:<ref>" of one of `signing_methods(user)`; the PIN/OTP is the leader's, typed now: the
    server holds no personal key it could use without them (sole control, Luật GDĐT 2023 Art. 22)."""
    if process.signer_id != user.pk:
        raise DispatchError(_("Chỉ lãnh đạo được giao ký mới ký được văn bản này."))
    with _signature_step(process, user, "sign") as (locked, done, base):
        if done is not None:
            return done
        require_step(locked, user, stages=(Stage.SIGNING,), permission="can_sign_dispatchprocess")
        [signed] = sign_documents(
            [document_to_sign(locked, base)],
            user=user,
            method=method,
            pin=pin,
            otp=otp,
            description=_("Ký văn bản số %(number)s") % {"number": locked.number},
        )
        return record_signature(locked, process, user=user, base=base, pdf=signed, step="signed")


def prepare_external_signing(*, process: DispatchProcess, user: User, certificate_der: bytes) -> ExternalSignature:
    """Two-step signing for a key on a token: prepare the PDF and return what the token must sign."""
    if process.signer_id != user.pk:
        raise DispatchError(_("Chỉ lãnh đạo được giao ký mới ký được văn bản này."))
    require_step(process, user, stages=(Stage.SIGNING,), permission="can_sign_dispatchprocess")
    base = process.latest_revision(FINAL)
    if base is None:
        raise DispatchError(_("Văn bản chưa được cấp số."))
    with _signing_refusals():
        # The signer's signature image comes from their key record (a token key is registered with one); without
        # an image the box gets the signer's name and the signing time as text.
        image = (
            SigningKey.objects.filter(owner=user, is_active=True)
            .exclude(signature_image="")
            .values_list("signature_image", flat=True)
            .first()
        )
        state = prepare_external_signature(
            base.pdf.read(),
            certificate_der=certificate_der,
            level=settings.VANTHU_DISPATCH_SIGN_LEVEL,
            appearance="signature" if image else "text",
            signature_image=image or "",
            page=process.signature_page,
            box=tuple(process.signature_box) if process.signature_box else None,
        )
    external = ExternalSignature.objects.create(process=process, state=state, created_by=user)
    log_action("workflows.dispatch.external_sign_prepared", {"external": external.pk}, user, obj=process)
    return external


def finish_external_signing(
    *, process: DispatchProcess, external: ExternalSignature, user: User, signature_value: bytes
) -> DispatchRevision:
    if external.created_by_id != user.pk or external.process_id != process.pk or external.finished_at:
        raise DispatchError(_("Phiên ký không hợp lệ hoặc đã kết thúc."))
    with _signature_step(process, user, "sign") as (locked, done, base):
        if done is not None:
            return done
        require_step(locked, user, stages=(Stage.SIGNING,), permission="can_sign_dispatchprocess")
        with _signing_refusals():
            signed = finish_external_signature(state=external.state, signature_value=signature_value)
        external.finished_at = timezone.now()
        external.save(update_fields=["finished_at"])
        return record_signature(locked, process, user=user, base=base, pdf=signed, step="signed")


def seal_dispatch(*, process: DispatchProcess, user: User) -> DispatchRevision:
    """The organisation's signature with the seal image (PAdES B-LT) over the leader's signature."""
    with _signature_step(process, user, "seal") as (locked, done, base):
        if done is not None:
            return done
        require_step(locked, user, stages=(Stage.SEALING,), permission="can_seal_dispatchprocess")
        with _signing_refusals():
            sealed = sign_pdf(
                base.pdf.read(),
                key_id=settings.VANTHU_DISPATCH_SEAL_KEY,
                level=settings.VANTHU_DISPATCH_SEAL_LEVEL,
                appearance="seal",
                page=locked.signature_page,
                box=seal_box(locked.signature_box) if locked.signature_box else None,
            )
        revision = record_signature(locked, process, user=user, base=base, pdf=sealed, step="sealed")
        record_issued_revision(
            code=locked.verification_code,
            pdf=sealed,
            file_name=revision.pdf.file.name,
            number=locked.number,
            subject=locked.subject,
            issuer=organisation_info()["agency"],
            issued_date=locked.issued_date,
            kind="dispatch",
        )
    return revision
