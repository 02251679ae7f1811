"""Turning a `SigningKey` record into a pyHanko signer, parsed once per process and cached.

Stock `SimpleSigner.load_pkcs12` re-parses the private key for every document (~40 ms each time, twice with the
size-estimating dry run); here a key is loaded once and reused until its record or file changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, tsp
from asn1crypto import x509 as ax509
from pyhanko.sign import attributes, signers
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import CAdESSignedAttributeProviderSpec

from signing import protection
from signing.errors import KeyUnavailable, WrongPin
from signing.models import SigningKey

__all__ = ["LoadedKey", "clear_key_cache", "close_pkcs11_sessions", "load_key", "load_pkcs12_bytes"]

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, tuple[tuple, LoadedKey]] = {}
_pkcs11_sessions: dict[tuple, object] = {}


@dataclass(frozen=True)
class LoadedKey:
    key_id: str
    signer: signers.Signer
    certificate_der: bytes
    chain_der: list[bytes]
    signature_image: str = ""  # paths from the key record (none for an in-memory PKCS#12)
    seal_image: str = ""
    session: object = None  # a PKCS#11 session opened for this one use (holder's PIN): `close()` it after

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    @property
    def certificate(self) -> ax509.Certificate:
        return ax509.Certificate.load(self.certificate_der)


def clear_key_cache() -> None:
    with _lock:
        _cache.clear()


def close_pkcs11_sessions() -> None:
    """Close the shared (organisation key) token sessions: the token logs out when its last session closes."""
    with _lock:
        sessions = list(_pkcs11_sessions.values())
        _pkcs11_sessions.clear()
        _cache.clear()
    for session in sessions:
        session.close()


class _FixedAttribute(attributes.CMSAttributeProvider):
    def __init__(self, attribute_type: str, value) -> None:
        self.attribute_type = attribute_type
        self.value = value

    async def build_attr_value(self, dry_run=False):
        return self.value


class _CachedCertAttributeSpec(CAdESSignedAttributeProviderSpec):
    """pyHanko's CAdES/PAdES signed attributes, with the signing-certificate-v2 value built once per signer."""

    def __init__(self, base: CAdESSignedAttributeProviderSpec, signing_certificate_v2: tsp.SigningCertificateV2):
        super().__init__(
            attr_settings=base.attr_settings,
            signing_cert=base.signing_cert,
            is_pades=base.is_pades,
            timestamper=base.timestamper,
        )
        self._signing_certificate_v2 = signing_certificate_v2

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str):
        for provider in super().signed_attr_providers(data_digest, digest_algorithm):
            if isinstance(provider, attributes.SigningCertificateV2Provider):
                yield _FixedAttribute("signing_certificate_v2", self._signing_certificate_v2)
            else:
                yield provider


class ParsedAttributesMixin:
    """Hands pyHanko its CMS signed attributes in parsed form, for any `signers.Signer`.

    asn1crypto re-serialises a value built from Python objects on every `dump()`, and pyHanko dumps the signed
    attributes three times per signature (to sign them, to copy them into the SignerInfo, to write the CMS); a
    parsed value dumps its stored bytes. The signing-certificate-v2 value is built once per signer. Same DER.
    """

    _signing_certificate_v2: bytes | None = None

    def _signed_attr_provider_spec(self, attr_settings, timestamper=None, use_cades=False, is_pdf_sig=True):
        spec = super()._signed_attr_provider_spec(
            attr_settings, timestamper=timestamper, use_cades=use_cades, is_pdf_sig=is_pdf_sig
        )
        if type(spec) is not CAdESSignedAttributeProviderSpec:
            return spec
        der = self._signing_certificate_v2
        if der is None:
            der = self._signing_certificate_v2 = as_signing_certificate_v2(self.signing_cert).dump()
        # a fresh (lazily parsed) object per signature: asn1crypto parses children on first access, not thread-safe
        return _CachedCertAttributeSpec(spec, tsp.SigningCertificateV2.load(der))

    async def signed_attrs(self, *args, **kwargs) -> cms.CMSAttributes:
        attrs = await super().signed_attrs(*args, **kwargs)
        return cms.CMSAttributes.load(attrs.dump())


class CachedKeySigner(ParsedAttributesMixin, signers.SimpleSigner):
    """SimpleSigner that parses its private key once: stock `sign_raw` re-parses it for every signature."""

    _pyca_key = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko_certvalidator.util import get_pyca_cryptography_hash

        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism not in ("rsassa_pkcs1v15", "ecdsa"):
            return super().sign_raw(data, digest_algorithm)
        key = self._pyca_key
        if key is None:
            key = self._pyca_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(key, rsa.RSAPrivateKey) and mechanism == "rsassa_pkcs1v15":
            return key.sign(data, PKCS1v15(), hash_algo)
        if isinstance(key, ec.EllipticCurvePrivateKey) and mechanism == "ecdsa":
            return key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


def load_pkcs12_bytes(data: bytes, password: bytes | None, *, key_id: str = "in-memory") -> LoadedKey:
    """Load a PKCS#12 in memory (nothing is written anywhere); wrong password or bad file -> KeyUnavailable."""
    if not data:
        raise KeyUnavailable("empty PKCS#12", user_message="Tệp chứng thư số (PKCS#12) rỗng.")
    try:
        stock = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=password or None)
        signer = CachedKeySigner(
            signing_key=stock.signing_key, signing_cert=stock.signing_cert, cert_registry=stock.cert_registry
        )
    except Exception as exc:  # noqa: BLE001 - wrong password, corrupt file, unsupported algorithm
        raise KeyUnavailable(
            f"cannot open PKCS#12 for {key_id}: {type(exc).__name__}",
            user_message="Không mở được tệp chứng thư số (PKCS#12): sai mật khẩu hoặc tệp hỏng.",
        ) from exc
    return _loaded(key_id, signer)


def _loaded(key_id: str, signer: signers.Signer) -> LoadedKey:
    cert = signer.signing_cert
    chain = [c.dump() for c in signer.cert_registry if c.dump() != cert.dump()]
    return LoadedKey(key_id=key_id, signer=signer, certificate_der=cert.dump(), chain_der=chain)


def _pkcs12_password(record: SigningKey) -> bytes | None:
    if record.pkcs12_password_env:
        value = os.environ.get(record.pkcs12_password_env)
        if value is None:
            raise KeyUnavailable(f"environment variable {record.pkcs12_password_env} is not set for {record.key_id}")
        return value.encode()
    if record.pkcs12_password_file:
        try:
            return Path(record.pkcs12_password_file).read_bytes().strip()
        except OSError as exc:
            raise KeyUnavailable(f"cannot read the password file of {record.key_id}: {exc.strerror}") from exc
    return None


def _stamp(record: SigningKey) -> tuple:
    mtime = None
    if record.kind == SigningKey.Kind.PKCS12 and record.pkcs12_path:
        try:
            mtime = Path(record.pkcs12_path).stat().st_mtime_ns
        except OSError:
            mtime = None
    return (record.pk, record.updated_at, mtime)


def _load_pkcs12(record: SigningKey) -> LoadedKey:
    try:
        data = Path(record.pkcs12_path).read_bytes()
    except OSError as exc:
        raise KeyUnavailable(f"cannot read the PKCS#12 file of {record.key_id}: {exc.strerror}") from exc
    return load_pkcs12_bytes(data, _pkcs12_password(record), key_id=record.key_id)


@functools.cache
def _pkcs11_signer_class(base: type) -> type:
    return type("ParsedAttributesPKCS11Signer", (ParsedAttributesMixin, base), {})


def _pkcs11_pin(record: SigningKey, holder_pin: str | None) -> str | None:
    if record.pkcs11_pin_env:
        pin = os.environ.get(record.pkcs11_pin_env)
        if pin is None:
            raise KeyUnavailable(f"environment variable {record.pkcs11_pin_env} is not set for {record.key_id}")
        return pin
    if record.pkcs11_pin_file:
        try:
            return Path(record.pkcs11_pin_file).read_text().strip()
        except OSError as exc:
            raise KeyUnavailable(f"cannot read the PIN file of {record.key_id}: {exc.strerror}") from exc
    if not holder_pin:
        raise WrongPin(
            f"token key {record.key_id} needs its holder's PIN", user_message="Cần nhập PIN của thiết bị ký."
        )
    return holder_pin


def _load_pkcs11(record: SigningKey, holder_pin: str | None = None) -> LoadedKey:
    from pyhanko.sign.pkcs11 import PKCS11Signer, TokenCriteria, open_pkcs11_session

    pin = _pkcs11_pin(record, holder_pin)
    # A token opened with its holder's PIN is never kept logged in for the next caller.
    shared = not record.needs_holder_secret
    session_key = (record.pkcs11_module, record.pkcs11_token_label, hashlib.sha256((pin or "").encode()).hexdigest())
    try:
        session = _pkcs11_sessions.get(session_key) if shared else None
        if session is None:
            session = open_pkcs11_session(
                record.pkcs11_module, token_criteria=TokenCriteria(label=record.pkcs11_token_label), user_pin=pin
            )
            if shared:
                _pkcs11_sessions[session_key] = session
        key_id = bytes.fromhex(record.pkcs11_key_id) if record.pkcs11_key_id else None
        signer = _pkcs11_signer_class(PKCS11Signer)(
            session,
            cert_label=record.pkcs11_key_label or None,
            key_label=record.pkcs11_key_label or None,
            key_id=key_id,
            cert_id=key_id,
            bulk_fetch=False,
        )
        # touching the certificate proves the token and the objects are there
        _ = signer.signing_cert
    except KeyUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - missing module/token, wrong PIN, no such object
        _pkcs11_sessions.pop(session_key, None)
        if session is not None and not shared:
            session.close()
        if type(exc).__name__ in ("PinIncorrect", "PinInvalid", "PinLenRange"):
            raise WrongPin(
                f"PKCS#11 key {record.key_id}: {exc}", user_message="PIN của thiết bị ký không đúng."
            ) from exc
        raise KeyUnavailable(
            f"PKCS#11 key {record.key_id} unavailable: {type(exc).__name__}: {exc}",
            user_message="Không dùng được thiết bị ký số (token/HSM): chưa cắm thiết bị, sai PIN hoặc không có khóa.",
        ) from exc
    return _loaded(record.key_id, signer)


PIN_ATTEMPTS = 5
PIN_LOCK = dt.timedelta(minutes=15)


def _load_protected(record: SigningKey, pin: str | None) -> LoadedKey:
    """Decrypt the holder's PKCS#12 with their PIN: never cached, so every use needs the PIN again."""
    from django.utils import timezone

    now = timezone.now()
    if record.pin_locked_until and record.pin_locked_until > now:
        raise WrongPin(
            f"PIN of {record.key_id} locked until {record.pin_locked_until.isoformat()}",
            user_message="PIN ký đã bị tạm khóa do nhập sai nhiều lần; vui lòng thử lại sau 15 phút.",
        )
    aad = protection.binding(
        key_id=record.key_id, owner_id=record.owner_id, certificate_der=bytes(record.certificate_der or b"")
    )
    try:
        secret = protection.unwrap(bytes(record.protected_key or b""), pin=pin or "", aad=aad)
    except WrongPin:
        if pin:
            failures = record.pin_failures + 1
            locked = now + PIN_LOCK if failures >= PIN_ATTEMPTS else None
            SigningKey.objects.filter(pk=record.pk).update(
                pin_failures=0 if locked else failures, pin_locked_until=locked
            )
        raise
    if record.pin_failures or record.pin_locked_until:
        SigningKey.objects.filter(pk=record.pk).update(pin_failures=0, pin_locked_until=None)
    loaded = load_pkcs12_bytes(secret, None, key_id=record.key_id)
    if loaded.certificate_der != bytes(record.certificate_der):
        raise KeyUnavailable(f"protected key {record.key_id} does not match its certificate")
    return dataclasses.replace(loaded, signature_image=record.signature_image, seal_image=record.seal_image)


def load_key(key_id: str, *, pin: str | None = None) -> LoadedKey:
    """The signer for `key_id`; `pin` is the holder's secret for a personal key (typed when signing).

    Keys that open without their holder (organisation keys) come from the per-process cache when their record
    and file are unchanged; a personal key is opened anew for every call.
    """
    try:
        record = SigningKey.objects.get(key_id=key_id, is_active=True)
    except SigningKey.DoesNotExist:
        raise KeyUnavailable(f"unknown or inactive signing key {key_id!r}") from None
    if record.kind == SigningKey.Kind.PROTECTED:
        return _load_protected(record, pin)
    if record.needs_holder_secret:
        loaded = _load_pkcs11(record, pin)
        return dataclasses.replace(loaded, signature_image=record.signature_image, seal_image=record.seal_image)
    stamp = _stamp(record)
    with _lock:
        hit = _cache.get(key_id)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    loaded = _load_pkcs11(record) if record.kind == SigningKey.Kind.PKCS11 else _load_pkcs12(record)
    if bytes(record.certificate_der or b"") != loaded.certificate_der:
        # update() leaves updated_at alone, so the cache stamp stays valid
        SigningKey.objects.filter(pk=record.pk).update(certificate_der=loaded.certificate_der)
    loaded = dataclasses.replace(loaded, signature_image=record.signature_image, seal_image=record.seal_image)
    log.info("signing key %s loaded (%s)", key_id, record.kind)
    with _lock:
        _cache[key_id] = (stamp, loaded)
    return loaded
