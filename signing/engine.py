"""PAdES signing with pyHanko, free of Django: callers pass the signer, the stamp and the environment.

`signing.services` is the Django-facing wrapper (key records, settings, images).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import secrets
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, TypeVar

from asn1crypto import cms as acms
from asn1crypto import x509 as ax509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError, PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    PdfTBSDocument,
    SigDSSPlacementPreference,
    TimestampDSSContentSettings,
)
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko.stamp.base import BaseStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing import compat
from signing.errors import InvalidInput, RevocationUnavailable, SigningError, TimestampUnavailable

compat.install()  # faster hex strings in pyHanko's parser, among others

__all__ = [
    "LEVELS",
    "VN_TZ",
    "SignEnvironment",
    "SignRequest",
    "finish_external",
    "prepare_external",
    "run_sync",
    "run_translated",
    "sign_document_async",
    "sign_with_signer",
    "translate_error",
]

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")
MD = "sha256"
T = TypeVar("T")


def run_sync(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine from sync code, also when the calling thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    result: dict[str, Any] = {}

    def target():
        try:
            result["value"] = asyncio.run(factory())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


@dataclass
class SignRequest:
    level: str = "B-T"
    field_name: str | None = None
    reason: str | None = None
    location: str | None = None
    page: int = 0
    box: tuple[float, float, float, float] | None = None
    stamp_style: BaseStampStyle | None = None
    text_params: dict[str, str] = field(default_factory=dict)
    plan: Any = None  # signing.appearance.AppearancePlan: fills page/box/style once the PDF is open


def signing_time_text() -> str:
    return dt.datetime.now(VN_TZ).replace(microsecond=0).isoformat()


def _apply_plan(writer, req: SignRequest) -> None:
    if req.plan is not None:
        req.plan.apply(writer, req, page_geometry=page_geometry, signing_time=signing_time_text())


@dataclass
class SignEnvironment:
    """Where time-stamps and revocation data come from. Built by `signing.services` from settings."""

    timestamper: Callable[[], TimeStamper | None]
    trust_roots: list[bytes]
    allow_fetching: bool = False
    local_revocation: Callable[[list[bytes]], list[bytes]] | None = None
    tsa_certs: list[bytes] = field(default_factory=list)

    def validation_context(self, certs_der: list[bytes]) -> ValidationContext:
        ocsps = self.local_revocation(certs_der + self.tsa_certs) if self.local_revocation else []
        return ValidationContext(
            trust_roots=[ax509.Certificate.load(r) for r in self.trust_roots],
            other_certs=[ax509.Certificate.load(c) for c in certs_der + self.tsa_certs],
            allow_fetching=self.allow_fetching,
            ocsps=ocsps,
            revocation_mode="hard-fail",
        )


def check_level(level: str) -> str:
    level = (level or "").upper()
    if level not in LEVELS:
        raise InvalidInput(f"unknown PAdES level {level!r}; expected one of {', '.join(LEVELS)}")
    return level


def open_writer(pdf: bytes) -> IncrementalPdfFileWriter:
    if not pdf or not pdf.lstrip()[:5].startswith(b"%PDF-"):
        raise InvalidInput("input is not a PDF (no %PDF- header)")
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise InvalidInput(f"unreadable PDF: {exc}") from exc
    if writer.prev.encrypted:
        raise InvalidInput("encrypted PDFs are not signed")
    return writer


def page_geometry(writer: IncrementalPdfFileWriter, page: int | None) -> tuple[int, int, tuple[float, ...]]:
    """(page index, page count, mediabox) with `page=None` meaning the last page, negatives from the end."""
    try:
        count = int(writer.root["/Pages"]["/Count"])
        index = count - 1 if page is None else (page if page >= 0 else count + page)
        if not 0 <= index < count:
            raise InvalidInput(f"page {page} out of range (document has {count} pages)")
        page_ref = writer.prev.find_page_for_modification(index)[0]
        page_obj = page_ref.get_object()
        box = page_obj.get("/MediaBox") or writer.root["/Pages"].get("/MediaBox") or [0, 0, 595.28, 841.89]
        return index, count, tuple(float(v) for v in box)
    except InvalidInput:
        raise
    except (PdfError, KeyError, ValueError, TypeError, IndexError) as exc:
        raise InvalidInput(f"cannot read the page tree: {exc}") from exc


def _reserve(chain_der: list[bytes], level: str) -> int:
    size = 4096 + 2 * sum(len(c) for c in chain_der)
    if level != "B-B":
        size += 8192
    return size


def _metadata(req: SignRequest, env: SignEnvironment, chain_der: list[bytes]) -> signers.PdfSignatureMetadata:
    kwargs: dict[str, Any] = {}
    if req.level in ("B-LT", "B-LTA"):
        kwargs.update(embed_validation_info=True, validation_context=env.validation_context(chain_der))
        # Revocation data goes into the signature's own revision (and before the document time-stamp), so the
        # last signature or time-stamp still covers the whole file ("Total document signed").
        kwargs["dss_settings"] = DSSContentSettings(
            placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
            include_vri=False,
            next_ts_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False),
        )
        kwargs["signer_key_usage"] = {"non_repudiation"}
    return signers.PdfSignatureMetadata(
        field_name=req.field_name or f"Sig-{secrets.token_hex(4)}",
        md_algorithm=MD,
        subfilter=SigSeedSubFilter.PADES,
        reason=req.reason,
        location=req.location,
        use_pades_lta=req.level == "B-LTA",
        **kwargs,
    )


def _field_spec(meta: signers.PdfSignatureMetadata, req: SignRequest) -> fields.SigFieldSpec:
    box = tuple(round(v, 2) for v in req.box) if req.box else None
    return fields.SigFieldSpec(sig_field_name=meta.field_name, on_page=req.page, box=box)


def _timestamper(req: SignRequest, env: SignEnvironment) -> TimeStamper | None:
    if req.level == "B-B":
        return None
    ts = env.timestamper()
    if ts is None:
        raise TimestampUnavailable(f"level {req.level} needs a time-stamping authority; none is configured")
    return ts


def translate_error(exc: BaseException, level: str) -> SigningError:
    text = str(exc)
    if isinstance(exc, TimestampRequestError) or "imestamp" in text:
        return TimestampUnavailable(f"time-stamping failed: {text}")
    if level in ("B-LT", "B-LTA") and isinstance(exc, PyHankoSigningError):
        return RevocationUnavailable(f"could not validate the signer with revocation data (hard-fail): {text}")
    if isinstance(exc, PdfReadError | PdfError):
        return InvalidInput(f"cannot sign this PDF: {text}")
    return SigningError(f"signing failed: {type(exc).__name__}: {text}")


def run_translated(factory: Callable[[], Coroutine[Any, Any, T]], level: str) -> T:
    """`run_sync`, with every pyHanko/aiohttp failure turned into one of our `SigningError`s."""
    try:
        return run_sync(factory)
    except SigningError:
        raise
    except Exception as exc:  # noqa: BLE001 - every pyHanko/aiohttp failure becomes one of ours
        raise translate_error(exc, level) from exc


async def sign_document_async(
    pdf: bytes, signer: signers.Signer, chain_der: list[bytes], req: SignRequest, env: SignEnvironment
) -> bytes:
    """One signature on `pdf` inside a running event loop (several may share one remote signer's batch)."""
    req.level = check_level(req.level)
    writer = open_writer(pdf)
    _apply_plan(writer, req)
    meta = _metadata(req, env, chain_der)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=_timestamper(req, env),
        stamp_style=req.stamp_style,
        new_field_spec=_field_spec(meta, req),
    )
    out = BytesIO()
    try:
        await pdf_signer.async_sign_pdf(
            writer,
            bytes_reserved=_reserve(chain_der, req.level),
            appearance_text_params=req.text_params or None,
            output=out,
        )
    except PyHankoSigningError as exc:
        if "reserved" not in str(exc).lower():
            raise
        # The estimate was too small (an unusually large chain or token): let pyHanko measure instead.
        writer, out = open_writer(pdf), BytesIO()
        _apply_plan(writer, req)
        await pdf_signer.async_sign_pdf(writer, appearance_text_params=req.text_params or None, output=out)
    return out.getvalue()


def sign_with_signer(
    pdf: bytes, *, signer: signers.Signer, chain_der: list[bytes], request: SignRequest, env: SignEnvironment
) -> bytes:
    """Sign `pdf` (one new incremental revision) or raise a `SigningError` subclass."""
    request.level = check_level(request.level)
    return run_translated(lambda: sign_document_async(pdf, signer, chain_der, request, env), request.level)


# --- external (two-step) signing ----------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


async def _prepare_async(
    pdf: bytes, cert_der: bytes, chain_der: list[bytes], req: SignRequest, env: SignEnvironment
) -> dict:
    writer = open_writer(pdf)
    _apply_plan(writer, req)
    cert = ax509.Certificate.load(cert_der)
    registry = SimpleCertificateStore.from_certs([ax509.Certificate.load(c) for c in chain_der])
    ext = signers.ExternalSigner(signing_cert=cert, cert_registry=registry, signature_value=bytes(512))
    meta = signers.PdfSignatureMetadata(
        field_name=req.field_name or f"Sig-{secrets.token_hex(4)}",
        md_algorithm=MD,
        subfilter=SigSeedSubFilter.PADES,
        reason=req.reason,
        location=req.location,
    )
    pdf_signer = signers.PdfSigner(meta, signer=ext, stamp_style=req.stamp_style, new_field_spec=_field_spec(meta, req))
    prep, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
        writer,
        bytes_reserved=_reserve([cert_der, *chain_der], req.level),
        appearance_text_params=req.text_params or None,
    )
    signing_time = dt.datetime.now(dt.UTC)
    attrs = await ext.signed_attrs(
        prep.document_digest,
        MD,
        attr_settings=PdfCMSSignedAttributes(signing_time=signing_time),
        use_pades=True,
    )
    output.seek(0)
    attrs_der = attrs.dump()
    return {
        "version": 1,
        "level": req.level,
        "field_name": meta.field_name,
        "md_algorithm": MD,
        "certificate_der": _b64(cert_der),
        "chain_der": [_b64(c) for c in chain_der],
        "document_digest": prep.document_digest.hex(),
        "reserved_region_start": prep.reserved_region_start,
        "reserved_region_end": prep.reserved_region_end,
        "signed_attrs_der": _b64(attrs_der),
        "data_to_sign": _b64(attrs_der),
        "data_to_sign_sha256": hashlib.sha256(attrs_der).hexdigest(),
        "pdf": _b64(output.read()),
    }


def prepare_external(
    pdf: bytes, *, certificate_der: bytes, chain_der: list[bytes], request: SignRequest, env: SignEnvironment
) -> dict:
    request.level = check_level(request.level)
    return run_translated(lambda: _prepare_async(pdf, certificate_der, chain_der, request, env), request.level)


async def _finish_async(state: dict, signature_value: bytes, env: SignEnvironment) -> bytes:
    level = check_level(state["level"])
    cert = ax509.Certificate.load(_unb64(state["certificate_der"]))
    chain_der = [_unb64(c) for c in state["chain_der"]]
    registry = SimpleCertificateStore.from_certs([ax509.Certificate.load(c) for c in chain_der])
    ext = signers.ExternalSigner(signing_cert=cert, cert_registry=registry, signature_value=signature_value)
    attrs_der = _unb64(state["signed_attrs_der"])
    _check_signature_value(cert.dump(), attrs_der, signature_value)
    attrs = acms.CMSAttributes.load(attrs_der)
    timestamper = _timestamper(SignRequest(level=level), env)
    signed = await ext.async_sign_prescribed_attributes(MD, signed_attrs=attrs, timestamper=timestamper)
    prep = PreparedByteRangeDigest(
        document_digest=bytes.fromhex(state["document_digest"]),
        reserved_region_start=int(state["reserved_region_start"]),
        reserved_region_end=int(state["reserved_region_end"]),
    )
    output = BytesIO(_unb64(state["pdf"]))
    await PdfTBSDocument.async_finish_signing(output, prep, signed)
    data = output.getvalue()
    if level in ("B-LT", "B-LTA"):
        data = await _add_ltv(data, state["field_name"], [state["certificate_der"], *state["chain_der"]], level, env)
    return data


def _check_signature_value(cert_der: bytes, data: bytes, signature_value: bytes) -> None:
    """Refuse a signature value that does not verify with the certificate: nothing broken gets embedded."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = x509.load_der_x509_certificate(cert_der).public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature_value, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature_value, data, ec.ECDSA(hashes.SHA256()))
        else:
            raise InvalidInput(f"unsupported key type {type(key).__name__}")
    except (InvalidSignature, ValueError) as exc:
        raise InvalidInput(
            "the signature value does not verify with the signer's certificate",
            user_message="Giá trị chữ ký nhận được không khớp với chứng thư số của người ký.",
        ) from exc


async def _add_ltv(data: bytes, field_name: str, certs_b64: list[str], level: str, env: SignEnvironment) -> bytes:
    reader = PdfFileReader(BytesIO(data), strict=False)
    sig = next(s for s in reader.embedded_regular_signatures if s.field_name == field_name)
    vc = env.validation_context([_unb64(c) for c in certs_b64])
    out = BytesIO()
    await async_add_validation_info(sig, vc, output=out)
    # hard-fail: the DSS must now hold revocation data for the signer
    check = PdfFileReader(BytesIO(out.getvalue()), strict=False)
    dss = check.root.get("/DSS")
    dss = dss.get_object() if dss is not None else None
    if dss is None or not (dss.get("/OCSPs") or dss.get("/CRLs")):
        raise RevocationUnavailable("no revocation data could be embedded for the signer (hard-fail)")
    if level == "B-LTA":
        ts = _timestamper(SignRequest(level=level), env)
        writer = IncrementalPdfFileWriter(BytesIO(out.getvalue()), strict=False)
        out2 = BytesIO()
        await signers.PdfTimeStamper(ts).async_timestamp_pdf(writer, MD, validation_context=vc, output=out2)
        return out2.getvalue()
    return out.getvalue()


def finish_external(*, state: dict, signature_value: bytes, env: SignEnvironment) -> bytes:
    if not isinstance(state, dict) or state.get("version") != 1:
        raise InvalidInput("unknown external-signing state")
    return run_translated(lambda: _finish_async(state, signature_value, env), state.get("level", "B-B"))
