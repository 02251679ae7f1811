"""The one audit entry point: `log_action(code, data, user)` appends a keyed, hash-chained entry.

Codes are namespaced by app, e.g. `workflows.dispatch.approved`. Each entry's hash is an HMAC-SHA256, under
`VANTHU_AUDIT_KEY` (a key that is not in the database), of its own content and the previous entry's hash: editing or
deleting a row breaks the chain from there on, and without the key nobody can recompute it. What the chain alone
cannot show is a truncated tail (the log simply looks shorter), so `anchor_head` (`manage.py audit_anchor`, from
cron) appends the head (hash, count, time) to a file outside the database, and `verify_chain` checks the log
against every anchor: `verify_audit` names the first bad entry, or the last one before the missing tail.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from core.models import AuditEntry

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x76616E74  # "vant": serialises appends on PostgreSQL
_TABLE = AuditEntry._meta.db_table
_LAST_HASH_SQL = f"SELECT entry_hash FROM {_TABLE} ORDER BY id DESC LIMIT 1"  # noqa: S608
_HEAD_SQL = f"SELECT id, entry_hash, (SELECT count(*) FROM {_TABLE} b WHERE b.id <= a.id) FROM {_TABLE} a ORDER BY id DESC LIMIT 1"  # noqa: S608, E501


def _normalise(data: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, sort_keys=True))


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def canonical_entry(*, prev_hash: str, entry: Any) -> bytes:
    """The bytes an entry's hash covers (also read by the migration that re-keyed the old plain chain)."""
    return _canonical(
        {
            "prev": prev_hash,
            "at": entry.created_at.astimezone(datetime.UTC).isoformat(),
            "actor": entry.actor_id,
            "actor_label": entry.actor_label,
            "code": entry.code,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "data": entry.data,
        }
    )


def _key() -> bytes:
    if not settings.VANTHU_AUDIT_KEY:
        raise ImproperlyConfigured("Set VANTHU_AUDIT_KEY: the audit chain is keyed (docs/deployment.md).")
    return settings.VANTHU_AUDIT_KEY.encode("utf-8")


def _mac(message: bytes) -> str:
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def entry_hash(*, prev_hash: str, entry: Any) -> str:
    return _mac(canonical_entry(prev_hash=prev_hash, entry=entry))


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
        entry.entry_hash = entry_hash(prev_hash=prev_hash, entry=entry)
        entry.save()
    return entry


@dataclass(frozen=True)
class Anchor:
    """The head of the log at one moment, as written outside the database."""

    at: str
    count: int
    last_id: int
    head: str

    def _fields(self) -> dict[str, Any]:
        return {"at": self.at, "count": self.count, "last_id": self.last_id, "head": self.head}

    def line(self) -> str:
        return json.dumps({**self._fields(), "mac": _mac(_canonical(self._fields()))}, sort_keys=True)


class AnchorFileError(Exception):
    pass


def anchor_head() -> Anchor:
    """Append the current head (hash, count, time) to `VANTHU_AUDIT_ANCHOR_FILE` (opened append-only)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_HEAD_SQL)
        row = cursor.fetchone()
    last_id, head, count = row if row else (0, GENESIS_HASH, 0)
    anchor = Anchor(at=timezone.now().astimezone(datetime.UTC).isoformat(), count=count, last_id=last_id, head=head)
    path = Path(settings.VANTHU_AUDIT_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (anchor.line() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return anchor


def read_anchors() -> list[Anchor]:
    """Every anchor in the file, oldest first; a line that is not what `anchor_head` wrote under our key raises."""
    path = Path(settings.VANTHU_AUDIT_ANCHOR_FILE)
    if not path.exists():
        return []
    anchors = []
    for number, text in enumerate(path.read_text(encoding="ascii", errors="replace").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            fields = json.loads(text)
            anchor = Anchor(
                at=str(fields["at"]),
                count=int(fields["count"]),
                last_id=int(fields["last_id"]),
                head=str(fields["head"]),
            )
            authentic = hmac.compare_digest(anchor.line(), text.strip())
        except (ValueError, KeyError, TypeError):
            authentic = False
        if not authentic:
            raise AnchorFileError(
                f"anchor line {number} of {path} is not authentic (edited, or written under another key)"
            )
        anchors.append(anchor)
    return anchors


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None = None
    reason: str = ""
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not self.reason


def _truncated(anchor: Anchor, *, checked: int, last_seen: int | None) -> str:
    where = f"after #{last_seen}" if last_seen is not None else "from the start"
    return (
        f"log truncated: the anchor of {anchor.at} recorded {anchor.count} entries up to #{anchor.last_id} "
        f"(head {anchor.head[:16]}…), but the chain holds {checked} entries there: entries {where} are missing"
    )


def verify_chain() -> ChainReport:
    """Walk the log in order and name the first entry whose link or content does not match; then the anchors."""
    try:
        pending = [a for a in read_anchors() if a.count > 0]
    except AnchorFileError as exc:
        return ChainReport(0, None, str(exc))
    pending.sort(key=lambda a: a.last_id)
    matched = 0
    prev_hash = GENESIS_HASH
    checked = 0
    last_seen: int | None = None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if pending and pending[0].last_id < entry.pk:
            return ChainReport(checked, None, _truncated(pending[0], checked=checked, last_seen=last_seen), matched)
        if entry.prev_hash != prev_hash:
            return ChainReport(
                checked, entry.pk, "previous-hash link does not match (entry removed or reordered)", matched
            )
        if entry_hash(prev_hash=prev_hash, entry=entry) != entry.entry_hash:
            return ChainReport(checked, entry.pk, "content does not match its hash (entry altered)", matched)
        prev_hash = entry.entry_hash
        checked += 1
        last_seen = entry.pk
        while pending and pending[0].last_id == entry.pk:
            anchor = pending.pop(0)
            if anchor.count != checked or anchor.head != entry.entry_hash:
                return ChainReport(
                    checked - 1,
                    entry.pk,
                    f"does not match the anchor of {anchor.at} ({anchor.count} entries, head {anchor.head[:16]}…)",
                    matched,
                )
            matched += 1
    if pending:
        return ChainReport(checked, None, _truncated(pending[0], checked=checked, last_seen=last_seen), matched)
    return ChainReport(checked, anchors=matched)


def trail_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """Every entry about one object, oldest first."""
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related("actor")
