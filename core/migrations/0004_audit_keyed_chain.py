"""Re-key the audit chain: entries written under the old plain SHA-256 chain are recomputed under VANTHU_AUDIT_KEY.

The old chain is verified first, entry by entry: a broken one is refused (naming the entry), because re-keying a
tampered log would make the tampering verify. An intact one gets keyed hashes in the same order, and one entry
`core.audit.rekeyed` records how many entries were carried over and the old plain head, so the step itself is in
the log. Irreversible on purpose: going back would mean unkeying the chain.
"""

import hashlib

from django.db import migrations
from django.utils import timezone

from core.audit import GENESIS_HASH, canonical_entry, entry_hash


def rekey_chain(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    entries = list(AuditEntry.objects.order_by("id"))
    if not entries:
        return
    plain_prev = GENESIS_HASH
    for entry in entries:
        plain = hashlib.sha256(canonical_entry(prev_hash=plain_prev, entry=entry)).hexdigest()
        if entry.prev_hash != plain_prev or entry.entry_hash != plain:
            raise RuntimeError(
                f"Audit entry #{entry.pk} does not verify under the old plain chain: refusing to re-key a tampered "
                "log. Restore the audit table from a backup, or investigate, then migrate again."
            )
        plain_prev = plain
    keyed_prev = GENESIS_HASH
    for entry in entries:
        keyed = entry_hash(prev_hash=keyed_prev, entry=entry)
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=keyed_prev, entry_hash=keyed)
        keyed_prev = keyed
    marker = AuditEntry(
        created_at=timezone.now(),
        code="core.audit.rekeyed",
        data={"entries": len(entries), "plain_head": plain_prev},
        prev_hash=keyed_prev,
    )
    marker.entry_hash = entry_hash(prev_hash=keyed_prev, entry=marker)
    marker.save()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_worker_heartbeat")]

    operations = [migrations.RunPython(rekey_chain, elidable=False)]
