"""The trust store in the database: what validation trusts by default, what administrators import and disable.

Anchors that are enabled end certification paths; enabled intermediates are handed to path building only. Every
change made by a person goes to the project's audit log through `SIGNING_AUDIT_HOOK` (a dotted path, so this leaf
app imports no other app).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from signing.errors import InvalidInput
from signing.models import TrustedCertificate
from signing.trust.bundle import BundleError, CertificateFacts, bundled_entries, read_bundle

__all__ = [
    "TrustSnapshot",
    "TrustStoreError",
    "bundle_error_message",
    "import_bundle",
    "set_enabled",
    "snapshot",
    "sync_bundled",
]

log = logging.getLogger(__name__)


class TrustStoreError(InvalidInput):
    """A bundle or an entry the store refuses; `user_message` says why, in the active language."""


@dataclass
class TrustSnapshot:
    """What a validation uses: DER anchors, DER intermediates, and a label for every certificate by SHA-256."""

    anchors: list[bytes] = field(default_factory=list)
    intermediates: list[bytes] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def _audit(code: str, data: dict, user) -> None:
    hook = settings.SIGNING_AUDIT_HOOK
    if hook:
        import_string(hook)(code, data, user)


def _fields(facts: CertificateFacts) -> dict:
    return {
        "subject": facts.subject[:1000],
        "subject_cn": facts.subject_cn[:300],
        "issuer": facts.issuer[:1000],
        "serial": facts.serial,
        "not_before": facts.not_before,
        "not_after": facts.not_after,
        "der": facts.der,
    }


def sync_bundled(*, model=TrustedCertificate, bundle: str = "vn", user=None, audit: bool = True) -> tuple[int, int]:
    """Add the shipped certificates missing from the store and refresh the metadata of those present; an
    administrator's `enabled` choice is kept. Returns (added, refreshed). `model` lets a data migration pass the
    historical model (and `audit=False`: the audit log may not exist yet)."""
    added = refreshed = 0
    with transaction.atomic():
        for entry in bundled_entries(bundle):
            values = {
                **_fields(entry.facts),
                "role": entry.role,
                "source": entry.source,
                "source_url": entry.source_url,
                "confidence": entry.confidence[:500],
                "note": entry.note[:500],
                "bundled": True,
            }
            _obj, created = model.objects.update_or_create(sha256=entry.facts.sha256, defaults=values)
            added += created
            refreshed += not created
    if audit:
        _audit("signing.trust_store.synced", {"bundle": bundle, "added": added, "refreshed": refreshed}, user)
    return added, refreshed


def bundle_error_message(error: BundleError) -> str:
    messages = {
        "empty": _("Tệp không chứa chứng thư số nào."),
        "too_large": _("Tệp quá lớn cho một gói chứng thư (tối đa 2 MB)."),
        "too_many": _("Gói có quá nhiều chứng thư (tối đa 200)."),
        "malformed": _(
            "Tệp không phải là gói chứng thư hợp lệ (.p7b, .cer, .crt, .pem hoặc .der) hoặc đã bị hỏng; "
            "không có chứng thư nào được nhập."
        ),
        "not_ca": _(
            "Chứng thư “%(subject)s” không phải chứng thư của tổ chức cung cấp dịch vụ chứng thực (CA) — "
            "chứng thư của người ký không được đưa vào kho tin cậy; không có chứng thư nào được nhập."
        )
        % {"subject": error.subject},
    }
    return messages.get(error.code, messages["malformed"])


def import_bundle(*, data: bytes, filename: str, user=None) -> list[TrustedCertificate]:
    """Import every CA certificate of a bundle, all or nothing. Self-signed ones become anchors, the others
    intermediates; a certificate already in the store is enabled again. Raises `TrustStoreError`."""
    try:
        facts = read_bundle(data, require_ca=True)
    except BundleError as exc:
        log.info("trust store import of %r refused: %s", filename, exc)
        raise TrustStoreError(str(exc), user_message=bundle_error_message(exc)) from exc
    out = []
    with transaction.atomic():
        for fact in facts:
            role = TrustedCertificate.Role.ANCHOR if fact.self_signed else TrustedCertificate.Role.INTERMEDIATE
            obj, created = TrustedCertificate.objects.get_or_create(
                sha256=fact.sha256,
                defaults={**_fields(fact), "role": role, "source": filename[:300] or "import", "enabled": True},
            )
            if not created and not obj.enabled:
                obj.enabled = True
                obj.save(update_fields=["enabled", "updated_at"])
            out.append(obj)
            _audit(
                "signing.trust_store.imported",
                {"sha256": fact.sha256, "subject": fact.subject, "role": obj.role, "file": filename, "new": created},
                user,
            )
    return out


def set_enabled(*, sha256: str, enabled: bool, user=None) -> TrustedCertificate:
    fingerprint = sha256.replace(":", "").strip().upper()
    try:
        obj = TrustedCertificate.objects.get(sha256=fingerprint)
    except TrustedCertificate.DoesNotExist:
        raise TrustStoreError(
            f"no trust store entry {fingerprint}",
            user_message=_("Không có chứng thư nào với dấu vân tay %(fp)s trong kho.") % {"fp": fingerprint},
        ) from None
    if obj.enabled != enabled:
        with transaction.atomic():
            obj.enabled = enabled
            obj.save(update_fields=["enabled", "updated_at"])
            code = "signing.trust_store.enabled" if enabled else "signing.trust_store.disabled"
            _audit(code, {"sha256": obj.sha256, "subject": obj.subject}, user)
    return obj


@functools.cache
def _shipped() -> TrustSnapshot:
    snap = TrustSnapshot()
    for entry in bundled_entries():
        (snap.anchors if entry.role == "anchor" else snap.intermediates).append(entry.facts.der)
        snap.labels[entry.facts.sha256] = entry.source
    return snap


def snapshot() -> TrustSnapshot:
    """The enabled entries. Before `migrate` has created the table (a fresh checkout, the benchmarks), the
    shipped store as it would be right after it."""
    try:
        rows = list(TrustedCertificate.objects.filter(enabled=True).values_list("role", "der", "sha256", "source"))
    except DatabaseError:
        if not _shipped.cache_info().currsize:
            log.warning("trust store table unreadable (not migrated?): using the shipped store")
        return _shipped()
    snap = TrustSnapshot()
    for role, der, sha256, source in rows:
        (snap.anchors if role == TrustedCertificate.Role.ANCHOR else snap.intermediates).append(bytes(der))
        snap.labels[sha256] = source
    return snap
