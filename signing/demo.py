"""The development PKI and its key records (`pki_init`, `load_demo`). Idempotent; refused in production."""

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
        if not created and owner is not None and record.owner_id is None:
            record.owner = owner
            record.save(update_fields=["owner", "updated_at"])
        records.append(record)
        if stdout is not None and created:
            stdout.write(f"signing: key {key_id} ({cn})\n")
    if stdout is not None:
        stdout.write(f"signing: development PKI in {pki.dir}\n")
    return records


def load(stdout: TextIO) -> None:
    init_pki(stdout=stdout)
