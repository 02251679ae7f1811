"""The public API of `signing`: sign, validate, key records and verification records.

Callers pass plain data (bytes, ids, strings) and get bytes or a `ValidationReport`; every failure is a
`signing.errors.SigningError` subclass with a Vietnamese `user_message`.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import logging
import secrets
import threading
from pathlib import Path
from typing import TypedDict, Unpack

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse

from signing import engine
from signing.appearance import AppearancePlan, encoded_png, prepared_font
from signing.devpki import DevPki
from signing.errors import InvalidInput
from signing.keys import LoadedKey, load_key, load_pkcs12_bytes
from signing.models import IssuedRevision, SigningKey
from signing.validation import (
    FetchPolicy,
    IsolatedValidator,
    ReportReason,
    SignatureReport,
    ValidationOptions,
    ValidationReport,
    base_revision_end,
    validate_bytes,
)

__all__ = [
    "APPEARANCES",
    "LEVELS",
    "SignOptions",
    "SignatureReport",
    "ValidationReport",
    "base_revision",
    "configured_trust_roots",
    "dev_pki",
    "fetch_policy",
    "find_issued_revision",
    "finish_external_signature",
    "key_id_for_user",
    "new_verification_code",
    "prepare_external_signature",
    "read_issued",
    "record_issued_revision",
    "sign_pdf",
    "sign_pdf_with_pkcs12",
    "signed_revision",
    "validate_pdf",
    "validation_trust",
    "verification_url",
]

log = logging.getLogger(__name__)
LEVELS = engine.LEVELS
APPEARANCES = ("signature", "seal", "text", "none")
_lock = threading.Lock()
_validator: IsolatedValidator | None = None
_tsa_cache: dict[str, object] = {}


# --- environment from settings -------------------------------------------------------------------
def dev_pki() -> DevPki | None:
    """The development PKI when enabled (never under production settings) and initialised."""
    return _dev_pki()


def dev_timestamp_response(request):
    """RFC 3161 answer of the development TSA (for the dev-only HTTP endpoint)."""
    ts = _timestamper() if not settings.SIGNING_TSA_URL else None
    if ts is None or _dev_pki() is None:
        raise InvalidInput("the development TSA is disabled")
    return ts.request_tsa_response(request)


def _dev_pki() -> DevPki | None:
    if not settings.SIGNING_DEV_PKI:
        return None
    pki = DevPki(settings.SIGNING_DEV_PKI_DIR, base_url=settings.SITE_URL)
    return pki if pki.exists() else None


def _read_cert_file(path: str) -> list[bytes]:
    from asn1crypto import pem

    data = Path(path).read_bytes()
    if pem.detect(data):
        return [der for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [data]


def _normalise_roots(roots: list[bytes]) -> list[bytes]:
    from asn1crypto import pem

    out: list[bytes] = []
    for root in roots:
        if pem.detect(root):
            out.extend(der for _t, _h, der in pem.unarmor(root, multiple=True))
        else:
            out.append(root)
    return out


def configured_trust_roots() -> list[bytes]:
    """DER trust roots: `SIGNING_TRUST_ROOTS` files, plus the development root when the dev PKI is enabled."""
    roots: list[bytes] = []
    for path in settings.SIGNING_TRUST_ROOTS:
        roots.extend(_read_cert_file(path))
    pki = _dev_pki()
    if pki is not None:
        roots.append(pki.root_der())
    return roots


def validation_trust() -> tuple[list[bytes], list[bytes], dict[str, str]]:
    """(anchors, intermediates, labels by SHA-256) a validation uses by default: the trust store's enabled
    entries, the `SIGNING_TRUST_ROOTS` files and, with the development settings only, the development root."""
    from signing.trust.store import snapshot

    snap = snapshot()
    anchors = list(snap.anchors)
    labels = dict(snap.labels)
    for path in settings.SIGNING_TRUST_ROOTS:
        for der in _read_cert_file(path):
            anchors.append(der)
            labels.setdefault(hashlib.sha256(der).hexdigest().upper(), Path(path).name)
    pki = _dev_pki()
    if pki is not None:
        der = pki.root_der()
        anchors.append(der)
        labels[hashlib.sha256(der).hexdigest().upper()] = "development PKI"
    return anchors, snap.intermediates, labels


def fetch_policy() -> FetchPolicy:
    """What may be fetched for a validation or a B-LT signature (`SIGNING_FETCH_*` settings)."""
    return FetchPolicy(
        allowed_hosts=tuple(settings.SIGNING_FETCH_ALLOWED_HOSTS),
        timeout=float(settings.SIGNING_FETCH_TIMEOUT),
        max_bytes=int(settings.SIGNING_FETCH_MAX_BYTES),
        cache_dir=str(settings.SIGNING_FETCH_CACHE_DIR),
        cache_seconds=int(settings.SIGNING_FETCH_CACHE_SECONDS),
    )


def _fetched_ocsps(certs_der: list[bytes]) -> list[bytes]:
    """OCSP answers (from the fetch cache or the allowed hosts) for the chain being embedded at B-LT."""
    from asn1crypto import x509 as ax509

    from signing.validation.fetching import Fetcher

    policy = fetch_policy()
    if not policy.allowed_hosts:
        return []
    certs = [ax509.Certificate.load(c) for c in certs_der]
    roots = [ax509.Certificate.load(r) for r in configured_trust_roots()] + [c for c in certs if c.self_signed == "yes"]
    fetcher = Fetcher(policy)
    answers: list[bytes] = []
    for cert in certs:
        if cert.self_signed != "yes":
            answers.extend(fetcher.gather(cert, certs, roots, revocation=True)[1])
    return list(dict.fromkeys(answers))


def _timestamper():
    url = settings.SIGNING_TSA_URL
    if url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        return HTTPTimeStamper(url, timeout=settings.SIGNING_TSA_TIMEOUT)
    pki = _dev_pki()
    if pki is None:
        return None
    key = str(pki.dir)
    with _lock:
        ts = _tsa_cache.get(key)
        if ts is None:
            from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder

            # The development TSA answers in-process (no port, no network); its certificate chains to the dev root.
            tsa_cert = load_cert_from_pemder(str(pki.cert_path("tsa")))
            from signing.devtsa import DevTimeStamper

            ts = DevTimeStamper(
                tsa_cert=tsa_cert,
                tsa_key=load_private_key_from_pemder(str(pki.key_path("tsa")), passphrase=None),
                certs_to_embed=[tsa_cert, load_cert_from_pemder(str(pki.cert_path("root")))],
            )
            _tsa_cache[key] = ts
    return ts


def sign_environment() -> engine.SignEnvironment:
    pki = _dev_pki()
    dev_answers = None
    tsa_certs: list[bytes] = []
    if pki is not None:
        from signing.revocation import dev_revocation

        source = dev_revocation(pki.dir)
        dev_answers = source.answers_for if source is not None else None
        if not settings.SIGNING_TSA_URL:
            tsa_certs = _read_cert_file(str(pki.cert_path("tsa")))
    local = dev_answers
    if settings.SIGNING_FETCH_ALLOWED_HOSTS:

        def local(certs_der: list[bytes]) -> list[bytes]:
            return (dev_answers(certs_der) if dev_answers else []) + _fetched_ocsps(certs_der)

    return engine.SignEnvironment(
        timestamper=_timestamper,
        trust_roots=configured_trust_roots(),
        allow_fetching=settings.SIGNING_ALLOW_FETCHING,
        local_revocation=local,
        tsa_certs=tsa_certs,
    )


def appearance_plan(
    appearance: str,
    *,
    page: int | None,
    box,
    text_lines: list[str] | None,
    signer_name: str,
    signature_image: str = "",
    seal_image: str = "",
    drawn_image: bytes | None = None,
) -> AppearancePlan:
    if appearance not in APPEARANCES:
        raise InvalidInput(f"unknown appearance {appearance!r}; expected one of {', '.join(APPEARANCES)}")
    if box is not None:
        if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
            raise InvalidInput(f"box must be (x1, y1, x2, y2) with x1 < x2 and y1 < y2, got {box!r}")
        box = tuple(float(v) for v in box)
    if drawn_image is not None and appearance not in ("signature", "text"):
        raise InvalidInput(f"signature_image goes with appearance 'signature' or 'text', not {appearance!r}")
    font = ""
    if appearance == "text":
        font = prepared_font(settings.SIGNING_STAMP_FONT, settings.SIGNING_CACHE_DIR)
    return AppearancePlan(
        drawn_image=encoded_png(drawn_image) if drawn_image is not None else None,
        appearance=appearance,
        page=page,
        box=box,
        signature_image=signature_image or None,
        seal_image=seal_image or None,
        text_lines=list(text_lines) if text_lines else ([signer_name] if appearance == "text" else None),
        font_path=font,
        seal_diameter_mm=float(settings.SIGNING_SEAL_DIAMETER_MM),
    )


def _signer_name(loaded: LoadedKey) -> str:
    return str(loaded.certificate.subject.native.get("common_name", ""))


# --- signing -----------------------------------------------------------------------------------------
class SignOptions(TypedDict, total=False):
    """What every way of signing takes besides the key and the appearance.

    `level` is the PAdES level ("B-T" when left out); `box` is (x1, y1, x2, y2) in PDF points, origin
    bottom-left; `page` is 0-based (None: last page, or page 1 for "text"). In `text_lines`, "{time}" becomes the
    signing time (ISO 8601, +07:00); without it a time line is added."""

    level: str
    page: int | None
    box: tuple[float, float, float, float] | None
    field_name: str | None
    reason: str | None
    location: str | None
    text_lines: list[str] | None


def sign_pdf(
    pdf: bytes,
    *,
    key_id: str,
    appearance: str = "signature",
    signature_image: bytes | None = None,
    pin: str | None = None,
    **options: Unpack[SignOptions],
) -> bytes:
    """Sign `pdf` with the key record `key_id`; returns the PDF with one new incremental revision.

    `pin` is the holder's secret for a personal key (`SigningKey.needs_holder_secret`), typed when signing.
    "seal" takes the signature box the leader used and covers its left third with the seal.
    `signature_image` is a PNG (at most 512 KB and 4000×4000 px) drawn by the signer: with "signature" it
    replaces the key owner's image, with "text" it is drawn above the lines in one stamp. `options`: SignOptions.
    """
    loaded = load_key(key_id, pin=pin)
    try:
        return _sign_loaded(
            pdf,
            loaded=loaded,
            appearance=appearance,
            options=options,
            signature_image=loaded.signature_image,
            seal_image=loaded.seal_image,
            drawn_image=signature_image,
        )
    finally:
        loaded.close()


def sign_pdf_with_pkcs12(
    pdf: bytes, *, pkcs12: bytes, password: bytes, appearance: str = "none", **options: Unpack[SignOptions]
) -> bytes:
    """Sign once with a PKCS#12 held only in memory (a business's own certificate); nothing is stored."""
    loaded = load_pkcs12_bytes(pkcs12, password)
    return _sign_loaded(pdf, loaded=loaded, appearance=appearance, options=options)


def _sign_request(appearance: str, options: SignOptions, *, signer_name: str, **images) -> engine.SignRequest:
    unknown = options.keys() - SignOptions.__optional_keys__
    if unknown:
        raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
    plan = appearance_plan(
        appearance,
        page=options.get("page"),
        box=options.get("box"),
        text_lines=options.get("text_lines"),
        signer_name=signer_name,
        **images,
    )
    return engine.SignRequest(
        level=options.get("level", "B-T"),
        field_name=options.get("field_name"),
        reason=options.get("reason"),
        location=options.get("location"),
        plan=plan,
    )


def _sign_loaded(pdf: bytes, *, loaded: LoadedKey, appearance: str, options: SignOptions, **images) -> bytes:
    request = _sign_request(appearance, options, signer_name=_signer_name(loaded), **images)
    return engine.sign_with_signer(
        pdf,
        signer=loaded.signer,
        chain_der=[loaded.certificate_der, *loaded.chain_der],
        request=request,
        env=sign_environment(),
    )


def prepare_external_signature(
    pdf: bytes,
    *,
    certificate_der: bytes,
    appearance: str = "none",
    chain_der: list[bytes] | None = None,
    signature_image: str = "",
    **options: Unpack[SignOptions],
) -> dict:
    """Step 1 of signing with a key held elsewhere: a JSON-safe state to store.

    The client signs `state["data_to_sign"]` (base64 DER of the CMS signed attributes) with RSA PKCS#1 v1.5 and
    SHA-256, and the caller passes the raw signature to `finish_external_signature`.
    """
    from asn1crypto import x509 as ax509

    try:
        cert = ax509.Certificate.load(certificate_der)
        name = str(cert.subject.native.get("common_name", ""))
    except Exception as exc:  # noqa: BLE001
        raise InvalidInput(f"certificate is not DER X.509: {exc}") from exc
    request = _sign_request(appearance, options, signer_name=name, signature_image=signature_image)
    return engine.prepare_external(
        pdf, certificate_der=certificate_der, chain_der=list(chain_der or []), request=request, env=sign_environment()
    )


def finish_external_signature(*, state: dict, signature_value: bytes) -> bytes:
    """Step 2: embed the client's signature value (and the time-stamp / revocation data of the level)."""
    return engine.finish_external(state=state, signature_value=signature_value, env=sign_environment())


# --- validation ----------------------------------------------------------------------------------------
def _isolated() -> IsolatedValidator:
    global _validator
    with _lock:
        if _validator is None:
            _validator = IsolatedValidator(memory_mb=settings.SIGNING_VALIDATION_MEMORY_MB)
            atexit.register(_validator.close)
        return _validator


def validate_pdf(
    data: bytes,
    *,
    trust_roots: list[bytes] | None = None,
    isolated: bool | None = None,
    max_bytes: int | None = None,
    fetch: bool = True,
) -> ValidationReport:
    """Validate every signature of `data`; never raises for bad input.

    With `fetch` and hosts in `SIGNING_FETCH_ALLOWED_HOSTS`, missing issuer certificates and OCSP/CRL answers are
    fetched from those hosts only (`fetch_policy`); otherwise no URL is ever fetched. Anonymous uploads pass
    `fetch=settings.SIGNING_FETCH_FOR_UPLOADS`.

    `trust_roots` (PEM or DER) replaces the trust store and the configured roots when given. By default the work runs in a
    child process with memory and time limits (`SIGNING_VALIDATION_*` settings).
    """
    limit = max_bytes if max_bytes is not None else settings.VANTHU_MAX_UPLOAD_BYTES
    if len(data) > limit:
        return ValidationReport.unreadable(
            hashlib.sha256(data).hexdigest(), len(data), ReportReason.TOO_LARGE, limit_bytes=limit
        )
    pki = _dev_pki()
    if trust_roots is not None:
        anchors, intermediates, labels = _normalise_roots(trust_roots), [], {}
    else:
        anchors, intermediates, labels = validation_trust()
    options = ValidationOptions(
        trust_roots=anchors,
        intermediates=intermediates,
        labels=labels,
        dev_pki_dir=str(pki.dir) if pki is not None else None,
        fetch=fetch_policy() if fetch and settings.SIGNING_FETCH_ALLOWED_HOSTS else None,
        timeout=float(settings.SIGNING_VALIDATION_TIMEOUT),
        memory_mb=int(settings.SIGNING_VALIDATION_MEMORY_MB),
    )
    if isolated is None:
        isolated = settings.SIGNING_VALIDATION_ISOLATED
    if isolated:
        return _isolated().validate(data, options)
    return validate_bytes(data, options)


def signed_revision(data: bytes, signature_index: int) -> bytes:
    """The exact bytes signature number `signature_index` (0-based, file order) covers."""
    return data[: _covered_end(data, signature_index)]


def base_revision(data: bytes, signature_index: int) -> bytes:
    """The document as it was before signature `signature_index` was appended (its incremental base)."""
    return data[: base_revision_end(data, _covered_end(data, signature_index))]


def _covered_end(data: bytes, signature_index: int) -> int:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        sigs = PdfFileReader(BytesIO(data), strict=False).embedded_regular_signatures
        br = sigs[signature_index].byte_range
    except IndexError:
        raise InvalidInput(f"no signature number {signature_index}") from None
    except Exception as exc:  # noqa: BLE001
        raise InvalidInput(f"unreadable PDF: {type(exc).__name__}") from exc
    return int(br[2]) + int(br[3])


# --- key records ---------------------------------------------------------------------------------------
def key_id_for_user(user) -> str | None:
    """The active signing key owned by `user` (first by key id), or None."""
    if user is None or not getattr(user, "pk", None):
        return None
    return (
        SigningKey.objects.filter(owner=user, is_active=True)
        .order_by("key_id")
        .values_list("key_id", flat=True)
        .first()
    )


# --- verification records ------------------------------------------------------------------------------
_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_verification_code() -> str:
    """12 characters from a 31-letter alphabet (~59 bits): short enough to type, too many to guess."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


def record_issued_revision(
    *,
    code: str,
    pdf: bytes,
    file_name: str,
    number: str,
    subject: str,
    issuer: str,
    issued_date: dt.date | None = None,
    kind: str = "",
) -> IssuedRevision:
    """Remember one issued revision under `code` (idempotent per code + content). The caller has stored `pdf`
    under `file_name` in the default storage (the application's one file store): signing keeps no copy of its own.
    """
    if not code or len(code) > 32:
        raise InvalidInput("verification code must be 1-32 characters")
    if not file_name:
        raise InvalidInput("the issued PDF must be stored before it is recorded")
    sha = hashlib.sha256(pdf).hexdigest()
    record, _ = IssuedRevision.objects.get_or_create(
        code=code,
        sha256=sha,
        defaults={
            "size": len(pdf),
            "number": number,
            "subject": subject[:500],
            "issuer": issuer,
            "issued_date": issued_date,
            "kind": kind,
            "file": file_name,
        },
    )
    return record


def read_issued(record: IssuedRevision) -> bytes:
    with default_storage.open(record.file, "rb") as fh:
        return fh.read()


def verification_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("signing:record", args=[code])


def find_issued_revision(report: ValidationReport) -> IssuedRevision | None:
    """The issued record matching the whole file or any revision a signature covers or was applied to."""
    hashes = [report.file_sha256]
    for sig in report.signatures:
        hashes += [sig.signed_revision_bytes_sha256, sig.base_revision_bytes_sha256]
    hashes = [h for h in hashes if h]
    by_hash = {r.sha256: r for r in IssuedRevision.objects.filter(sha256__in=hashes)}
    for h in hashes:
        if h in by_hash:
            return by_hash[h]
    return None
