"""The one audit entry point: `log_action(code, data, user)` appends a hash-chained entry.

Codes are namespaced by app, e.g. `workflows.dispatch.approved`. Each entry's hash covers its own content and the
previous entry's hash, so editing or deleting any row breaks the chain from there on; `verify_audit` finds it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from core.models import AuditEntry

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x76616E74  # "vant": serialises appends on PostgreSQL
_LAST_HASH_SQL = f"SELECT entry_hash FROM {AuditEntry._meta.db_table} ORDER BY id DESC LIMIT 1"  # noqa: S608


def _normalise(data: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, sort_keys=True))


def _entry_hash(*, prev_hash: str, entry: AuditEntry) -> str:
    payload = {
        "prev": prev_hash,
        "at": entry.created_at.astimezone(datetime.UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "code": entry.code,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def log_action(
    code: str,
    data: dict[str, Any] | None = None,
    user: Any = None,
    *,
    obj: models.Model | None = None,
) -> AuditEntry:
    """Append one entry. Runs in (or opens) a transaction; on PostgreSQL appends are serialised."""
    actor = user if getattr(user, "is_authenticated", False) else None
    # No savepoint: a failed append must fail the whole action it records, never be caught and skipped.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        # A statement of its own after the lock: under READ COMMITTED it sees the entry the previous holder
        # committed, which a subquery in the locking statement (one snapshot, taken before the wait) would not.
        cursor.execute(_LAST_HASH_SQL)
        row = cursor.fetchone()
        prev_hash = row[0] if row else GENESIS_HASH
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=actor,
            actor_label=str(actor) if actor else "",
            code=code,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=_normalise(data),
            prev_hash=prev_hash,
        )
        entry.entry_hash = _entry_hash(prev_hash=prev_hash, entry=entry)
        entry.save()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain() -> ChainReport:
    """Walk the log in order and name the first entry whose link or content does not match."""
    prev_hash = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev_hash:
            return ChainReport(checked, entry.pk, "previous-hash link does not match (entry removed or reordered)")
        if _entry_hash(prev_hash=prev_hash, entry=entry) != entry.entry_hash:
            return ChainReport(checked, entry.pk, "content does not match its hash (entry altered)")
        prev_hash = entry.entry_hash
        checked += 1
    return ChainReport(checked)


def trail_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """Every entry about one object, oldest first."""
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related("actor")
