"""A person's own signature under sole control (Luật GDĐT 2023, Art. 22): the methods a signer has, and signing.

A personal signature is made only with a secret its holder types at that moment:
- `remote`: a credential at the remote signing provider (CSC API); the provider signs after the holder's PIN/OTP;
- `protected`: a PKCS#12 the server keeps encrypted under the holder's signing PIN (`signing.protection`);
- `token`: a PKCS#11 token whose PIN the holder types.
A key the server could use alone (a PKCS#12 with its password on the server) is never offered as personal.
The two-step path (hash out, CMS in; `services.prepare_external_signature`) is for providers with their own API.

`sign_batch` signs N documents with one authorisation (one PIN entry; for `remote` one `credentials/authorize`
with numSignatures = N), all or nothing. Callers record what was signed and audit it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12
from django.conf import settings
from django.db import IntegrityError, transaction

from signing import csc, engine, protection
from signing.errors import CredentialMismatch, InvalidInput, KeyUnavailable, WrongPin
from signing.keys import load_key
from signing.models import RemoteCredential, SigningKey
from signing.services import appearance_plan, sign_environment

__all__ = [
    "DocumentToSign",
    "SigningMethod",
    "change_pin",
    "csc_provider",
    "enrol_personal_key",
    "enrol_remote_credential",
    "list_remote_credentials",
    "reset_personal_key",
    "sign_batch",
    "signing_methods_for",
]


@dataclass
class DocumentToSign:
    """One document of a batch and where its signature goes (same meaning as `services.sign_pdf`)."""

    pdf: bytes
    level: str = "B-T"
    appearance: str = "signature"
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    field_name: str | None = None
    reason: str | None = None
    location: str | None = None
    text_lines: list[str] | None = None


@dataclass(frozen=True)
class SigningMethod:
    """One way a person can sign: `kind` is remote / protected / token; `ref` names it for `sign_batch`."""

    kind: str
    ref: str
    label: str
    needs_pin: bool = True
    needs_otp: bool = False
    certificate_der: bytes = field(default=b"", repr=False)
    multisign: int = 1


# --- the remote provider -------------------------------------------------------------------------------------
def csc_provider() -> csc.CscProvider | None:
    """The configured remote signing provider (`SIGNING_CSC_*` settings), or None."""
    url = settings.SIGNING_CSC_URL
    if not url:
        return None
    secret = settings.SIGNING_CSC_CLIENT_SECRET
    if settings.SIGNING_CSC_CLIENT_SECRET_FILE:
        try:
            with open(settings.SIGNING_CSC_CLIENT_SECRET_FILE, encoding="utf-8") as fh:
                secret = fh.read().strip()
        except OSError as exc:
            raise KeyUnavailable(f"cannot read SIGNING_CSC_CLIENT_SECRET_FILE: {exc.strerror}") from exc
    return csc.CscProvider(
        name=settings.SIGNING_CSC_PROVIDER,
        label=settings.SIGNING_CSC_LABEL,
        base_url=url,
        auth=settings.SIGNING_CSC_AUTH,
        token=settings.SIGNING_CSC_TOKEN,
        token_url=settings.SIGNING_CSC_TOKEN_URL,
        client_id=settings.SIGNING_CSC_CLIENT_ID,
        client_secret=secret,
        timeout=float(settings.SIGNING_CSC_TIMEOUT),
        sign_timeout=float(settings.SIGNING_CSC_SIGN_TIMEOUT),
        api_version=settings.SIGNING_CSC_API_VERSION,
    )


def _provider() -> csc.CscProvider:
    provider = csc_provider()
    if provider is None:
        raise KeyUnavailable(
            "no remote signing provider configured (SIGNING_CSC_URL)",
            user_message="Hệ thống chưa được cấu hình dịch vụ ký số từ xa.",
        )
    return provider


def list_remote_credentials(*, user_ref: str) -> list[csc.CscCredential]:
    """The credentials the provider holds for the signer `user_ref` (their id there, e.g. CCCD number)."""
    user_ref = (user_ref or "").strip()
    if not user_ref:
        raise InvalidInput("empty user_ref", user_message="Cần nhập mã người dùng tại nhà cung cấp ký số từ xa.")
    return csc.list_credentials(_provider(), user_ref=user_ref)


def enrol_remote_credential(*, owner, user_ref: str, credential_id: str, label: str = "") -> RemoteCredential:
    """Link the provider credential `credential_id` of account `user_ref` to `owner` (after the provider lists it)."""
    provider = _provider()
    listed = {c.credential_id: c for c in list_remote_credentials(user_ref=user_ref)}
    credential = listed.get(credential_id)
    if credential is None:
        raise CredentialMismatch(f"{credential_id} is not listed for {user_ref} at {provider.name}")
    try:
        with transaction.atomic():
            record, _created = RemoteCredential.objects.update_or_create(
                provider=provider.name,
                credential_id=credential_id,
                owner=owner,
                defaults={
                    "user_ref": user_ref.strip(),
                    "label": label or f"{provider.label}: {credential.subject_name}",
                    "certificate_der": credential.certificate_der,
                    "key_algorithm": credential.key_algorithm,
                    "auth_mode": credential.auth_mode,
                    "needs_pin": credential.needs_pin,
                    "needs_otp": credential.needs_otp,
                    "multisign": credential.multisign,
                    "is_active": True,
                },
            )
    except IntegrityError:
        raise CredentialMismatch(f"{credential_id} at {provider.name} is enrolled by another user") from None
    return record


# --- personal keys held by the server under the holder's PIN --------------------------------------------------
def enrol_personal_key(
    *,
    owner,
    pkcs12_data: bytes,
    password: bytes | None,
    pin: str,
    key_id: str = "",
    label: str = "",
    signature_image: str = "",
) -> SigningKey:
    """Keep `owner`'s PKCS#12 encrypted under the signing PIN they choose now; the server keeps no usable copy.

    Re-enrolling the same `key_id` replaces the previous envelope (a forgotten PIN means enrolling again).
    """
    protection.check_pin_policy(pin)
    if owner.check_password(pin):
        raise InvalidInput("PIN equals the login password", user_message="PIN ký không được trùng mật khẩu đăng nhập.")
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(pkcs12_data, password or None)
    except (ValueError, TypeError) as exc:
        raise KeyUnavailable(
            f"cannot open the PKCS#12 to enrol: {type(exc).__name__}",
            user_message="Không mở được tệp chứng thư số (PKCS#12): sai mật khẩu hoặc tệp hỏng.",
        ) from exc
    if key is None or cert is None:
        raise InvalidInput("PKCS#12 without key or certificate", user_message="Tệp PKCS#12 thiếu khóa hoặc chứng thư.")
    from cryptography.hazmat.primitives.serialization import Encoding

    plain = pkcs12.serialize_key_and_certificates(None, key, cert, extra or None, NoEncryption())
    certificate_der = cert.public_bytes(Encoding.DER)
    key_id = key_id or f"user-{owner.pk}-{cert.serial_number:x}"[:64]
    record, _ = SigningKey.objects.get_or_create(key_id=key_id, defaults={"owner": owner})
    if record.owner_id not in (None, owner.pk):
        raise CredentialMismatch(f"key {key_id} belongs to another user")
    record.owner = owner
    record.kind = SigningKey.Kind.PROTECTED
    record.label = label or record.label or str(cert.subject.rfc4514_string())[:200]
    record.certificate_der = certificate_der
    record.protected_key = protection.wrap(
        plain, pin=pin, aad=protection.binding(key_id=key_id, owner_id=owner.pk, certificate_der=certificate_der)
    )
    record.pkcs12_path = record.pkcs12_password_env = record.pkcs12_password_file = ""
    record.pin_failures, record.pin_locked_until, record.is_active = 0, None, True
    if signature_image:
        record.signature_image = signature_image
    record.save()
    return record


def change_pin(*, record: SigningKey, old_pin: str, new_pin: str) -> SigningKey:
    """The holder re-wraps their key under a new PIN (the old one must open it)."""
    if record.kind != SigningKey.Kind.PROTECTED:
        raise InvalidInput(f"{record.key_id} is not a PIN-protected key")
    protection.check_pin_policy(new_pin)
    if record.owner is not None and record.owner.check_password(new_pin):
        raise InvalidInput("PIN equals the login password", user_message="PIN ký không được trùng mật khẩu đăng nhập.")
    aad = protection.binding(
        key_id=record.key_id, owner_id=record.owner_id, certificate_der=bytes(record.certificate_der)
    )
    load_key(record.key_id, pin=old_pin)  # counts a wrong PIN like a signature attempt
    secret = protection.unwrap(bytes(record.protected_key), pin=old_pin, aad=aad)
    record.protected_key = protection.wrap(secret, pin=new_pin, aad=aad)
    record.save(update_fields=["protected_key", "updated_at"])
    return record


def reset_personal_key(*, record: SigningKey) -> SigningKey:
    """What an administrator can do to a personal key: destroy it (the holder must enrol again)."""
    record.protected_key = b""
    record.is_active = False
    record.pin_failures, record.pin_locked_until = 0, None
    record.save(update_fields=["protected_key", "is_active", "pin_failures", "pin_locked_until", "updated_at"])
    return record


# --- the methods a signer has, and signing --------------------------------------------------------------------
def signing_methods_for(user) -> list[SigningMethod]:
    """The ways `user` can sign personally, each needing a secret they type (remote first: the 2026 norm)."""
    if user is None or not getattr(user, "pk", None):
        return []
    methods: list[SigningMethod] = []
    provider = csc_provider()
    if provider is not None:
        for cred in RemoteCredential.objects.filter(owner=user, is_active=True, provider=provider.name):
            methods.append(
                SigningMethod(
                    kind="remote",
                    ref=str(cred.pk),
                    label=cred.label or cred.credential_id,
                    needs_pin=cred.needs_pin,
                    needs_otp=cred.needs_otp,
                    certificate_der=bytes(cred.certificate_der),
                    multisign=cred.multisign,
                )
            )
    for key in SigningKey.objects.filter(owner=user, is_active=True).order_by("key_id"):
        if not key.needs_holder_secret or (key.kind == SigningKey.Kind.PROTECTED and not key.protected_key):
            continue  # a key the server could use alone is not a personal signature
        methods.append(
            SigningMethod(
                kind="protected" if key.kind == SigningKey.Kind.PROTECTED else "token",
                ref=key.key_id,
                label=key.label or key.key_id,
                certificate_der=bytes(key.certificate_der or b""),
                multisign=1000,
            )
        )
    return methods


def _method(user, kind: str, ref: str) -> SigningMethod:
    for method in signing_methods_for(user):
        if method.kind == kind and method.ref == str(ref):
            return method
    message = f"{kind} {ref!r} is not a signing method of user {getattr(user, 'pk', None)}"
    if kind == "remote":
        raise CredentialMismatch(message)
    raise KeyUnavailable(message, user_message="Khóa ký này không thuộc về bạn hoặc đã bị hủy (cần đăng ký lại).")


def _request(doc: DocumentToSign, *, signer_name: str, signature_image: str) -> engine.SignRequest:
    plan = appearance_plan(
        doc.appearance if (signature_image or doc.appearance != "signature") else "text",
        page=doc.page,
        box=doc.box,
        text_lines=doc.text_lines,
        signer_name=signer_name,
        signature_image=signature_image,
    )
    return engine.SignRequest(
        level=doc.level, field_name=doc.field_name, reason=doc.reason, location=doc.location, plan=plan
    )


def _signer_name(certificate_der: bytes) -> str:
    from asn1crypto import x509 as ax509

    return str(ax509.Certificate.load(certificate_der).subject.native.get("common_name", ""))


def _signature_image(user) -> str:
    image = (
        SigningKey.objects.filter(owner=user, is_active=True)
        .exclude(signature_image="")
        .values_list("signature_image", flat=True)
        .first()
    )
    return image or ""


def sign_batch(
    documents: Sequence[DocumentToSign],
    *,
    holder,
    kind: str,
    ref: str,
    pin: str = "",
    otp: str = "",
    description: str = "",
) -> list[bytes]:
    """Sign every document as `holder` with their method (`kind`, `ref` from `signing_methods_for`).

    One authorisation for the whole batch: the PIN opens the key once, or the provider is asked once for
    numSignatures = N with the N hashes. Returns the signed PDFs in order, or raises (nothing signed).
    """
    if not documents:
        return []
    method = _method(holder, kind, ref)
    if method.needs_pin and not pin:
        raise WrongPin("no PIN given", user_message="Cần nhập PIN để ký.")
    if method.needs_otp and not otp:
        raise WrongPin("no OTP given", user_message="Cần nhập mã OTP để ký.")
    image = _signature_image(holder)
    if kind == "remote":
        credential = RemoteCredential.objects.get(pk=int(ref), owner=holder, is_active=True)
        name = _signer_name(bytes(credential.certificate_der))
        return csc.sign_batch(
            [d.pdf for d in documents],
            requests=[_request(d, signer_name=name, signature_image=image) for d in documents],
            provider=_provider(),
            credential_id=credential.credential_id,
            pin=pin,
            otp=otp,
            description=description,
            expected_certificate_der=bytes(credential.certificate_der),
            env=sign_environment(),
        )
    loaded = load_key(ref, pin=pin)  # one PIN entry opens the key for the whole batch
    try:
        name = _signer_name(loaded.certificate_der)
        env = sign_environment()
        chain = [loaded.certificate_der, *loaded.chain_der]
        return [
            engine.sign_with_signer(
                d.pdf,
                signer=loaded.signer,
                chain_der=chain,
                request=_request(d, signer_name=name, signature_image=loaded.signature_image or image),
                env=env,
            )
            for d in documents
        ]
    finally:
        loaded.close()
