"""The development PKI and its key records (`pki_init`, `load_demo`). Idempotent; refused in production.

A leader's development key is a personal signature under sole control once its owner's account exists: it is
enrolled under the signing PIN `SIGNING_DEV_SIGNING_PIN` (`kind=protected`; the PKCS#12 on disk is the dev PKI's,
never linked to the account). Before the account exists it is a plain key used by its id (CLI, tests)."""

from __future__ import annotations

from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from signing.devpki import DevPki
from signing.models import SigningKey

__all__ = ["DEV_KEYS", "init_pki", "load"]

# key id -> (demo username owning it or "", default common name, signature text)
DEV_KEYS = {
    "org-seal": ("", "", ""),
    "org-system": ("", "", ""),
    "user-giamdoc": ("giamdoc", "Nguyễn Quang Huy", ""),
    "user-phogiamdoc": ("phogiamdoc", "Hoàng Văn Minh", ""),
}


def _full_name(user) -> str:
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.get_username()


def init_pki(*, stdout: TextIO | None = None) -> list[SigningKey]:
    """Create the development PKI under `SIGNING_DEV_PKI_DIR` and upsert its key records."""
    if not settings.SIGNING_DEV_PKI:
        raise ImproperlyConfigured("The development PKI is disabled (SIGNING_DEV_PKI=False, e.g. production settings).")
    agency = settings.SIGNING_DEV_AGENCY_NAME
    pki = DevPki(settings.SIGNING_DEV_PKI_DIR, base_url=settings.SITE_URL, agency=agency)
    pki.ensure()
    User = get_user_model()
    records = []
    for key_id, (username, default_name, _text) in DEV_KEYS.items():
        owner = User.objects.filter(username=username).first() if username else None
        if key_id == "org-seal":
            cn, org, uid, label = agency, agency, f"MST:{settings.SIGNING_DEV_AGENCY_TAX_CODE}", "Chữ ký số cơ quan"
        elif key_id == "org-system":
            cn, org, uid, label = "Hệ thống văn thư điện tử", agency, "", "Chứng thư hệ thống (ký điện tử OTP)"
        else:
            cn = _full_name(owner) if owner else default_name
            org, uid, label = agency, "", f"Chữ ký số cá nhân - {cn}"
        dev = pki.ensure_key(key_id, common_name=cn, organisation=org, uid=uid)
        record, created = SigningKey.objects.get_or_create(
            key_id=key_id,
            defaults={
                "label": label,
                "kind": SigningKey.Kind.PKCS12,
                "pkcs12_path": str(dev.p12_path),
                "pkcs12_password_file": str(dev.password_path),
                "signature_image": str(dev.signature_image) if key_id.startswith("user-") else "",
                "seal_image": str(dev.seal_image) if key_id.startswith("org-") else "",
                "owner": owner,
            },
        )
        if owner is not None and key_id.startswith("user-"):
            record = _personal(record, owner=owner, dev=dev)
        records.append(record)
        if stdout is not None and created:
            stdout.write(f"signing: key {key_id} ({cn})\n")
    if settings.SIGNING_DEV_SEAL_TOKEN:
        records.append(seal_token(pki, agency=agency))
        if stdout is not None:
            stdout.write(f"signing: the seal's key in the SoftHSM2 token {SEAL_TOKEN_LABEL} ({SEAL_TOKEN_KEY_ID})\n")
    if stdout is not None:
        stdout.write(f"signing: development PKI in {pki.dir}\n")
    return records


def _personal(record: SigningKey, *, owner, dev) -> SigningKey:
    """The leader's dev key enrolled under the development signing PIN (once; kept while it is theirs)."""
    from signing.personal import enrol_personal_key

    if record.kind == SigningKey.Kind.PROTECTED and record.owner_id == owner.pk and record.protected_key:
        return record
    return enrol_personal_key(
        owner=owner,
        pkcs12_data=dev.p12_path.read_bytes(),
        password=dev.password_path.read_bytes().strip(),
        pin=settings.SIGNING_DEV_SIGNING_PIN,
        key_id=record.key_id,
        label=record.label,
        signature_image=str(dev.signature_image or ""),
    )


SEAL_TOKEN_LABEL = "vanthu-seal"  # noqa: S105 - a PKCS#11 token label, not a secret
SEAL_TOKEN_KEY_ID = "org-seal-token"  # noqa: S105 - a key record id


def seal_token(pki: DevPki, *, agency: str) -> SigningKey:
    """The organisation seal's key in a SoftHSM2 token (non-extractable), its PIN in a secret file of the dev PKI.

    Development only, like the rest of the dev PKI: the same key is also in `org-seal.p12` on disk. Sealing
    with it needs the clerk's re-authentication (the seal step is wrapped by `core.reauth`)."""
    import os
    import secrets

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from signing import devhsm

    devhsm.write_config(os.path.dirname(os.environ["SOFTHSM2_CONF"]))
    pin_path = pki.dir / "keys" / "seal-token.pin"
    if not pin_path.exists():
        pin_path.write_text(secrets.token_hex(8))
        pin_path.chmod(0o600)
    dev = pki.dev_key("org-seal")
    key, cert, _chain = pkcs12.load_key_and_certificates(
        dev.p12_path.read_bytes(), dev.password_path.read_bytes().strip()
    )
    devhsm.ensure_token(
        label=SEAL_TOKEN_LABEL,
        pin=pin_path.read_text().strip(),
        so_pin=secrets.token_hex(8),
        key_label="org-seal",
        key_id=b"\x5e",
        private_key_der=key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        certificate_der=cert.public_bytes(serialization.Encoding.DER),
    )
    record, _ = SigningKey.objects.update_or_create(
        key_id=SEAL_TOKEN_KEY_ID,
        defaults={
            "label": f"Chữ ký số cơ quan (token) - {agency}"[:200],
            "kind": SigningKey.Kind.PKCS11,
            "pkcs11_module": devhsm.MODULE,
            "pkcs11_token_label": SEAL_TOKEN_LABEL,
            "pkcs11_key_label": "org-seal",
            "pkcs11_key_id": "5e",
            "pkcs11_pin_file": str(pin_path),
            "seal_image": str(dev.seal_image),
            "owner": None,
        },
    )
    return record


def load(stdout: TextIO) -> None:
    init_pki(stdout=stdout)
