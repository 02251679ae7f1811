import datetime
import hashlib
import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError

from core.audit import anchor_head, canonical_entry, log_action, trail_for, verify_chain
from core.models import AuditEntry


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings.VANTHU_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors" / "audit-anchors.jsonl")
    return tmp_path / "anchors" / "audit-anchors.jsonl"


@pytest.fixture
def chain(make_user, anchor_file):
    user = make_user()
    entries = [log_action("tests.step", {"n": n, "note": "Văn bản số 05"}, user) for n in range(5)]
    return user, entries


def plain_sha256(*, prev_hash: str, entry: AuditEntry) -> str:
    """What an attacker without the key computes: the old, unkeyed chain over the same fields."""
    return hashlib.sha256(canonical_entry(prev_hash=prev_hash, entry=entry)).hexdigest()


def recompute_from(entry_id: int, hasher) -> None:
    """Rewrite prev_hash/entry_hash from entry_id to the end, as someone with write access to the table would."""
    entries = list(AuditEntry.objects.order_by("id"))
    prev = entries[0].prev_hash
    for entry in entries:
        if entry.pk >= entry_id:
            entry.prev_hash = prev
            entry.entry_hash = hasher(prev_hash=prev, entry=entry)
            AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=entry.prev_hash, entry_hash=entry.entry_hash)
        prev = entry.entry_hash


def test_entries_link_to_the_previous_hash(chain):
    _, entries = chain
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.entry_hash
    assert verify_chain().ok
    assert verify_chain().checked == 5


def test_the_chain_is_keyed_not_plain_sha256(chain):
    _, entries = chain
    assert entries[0].entry_hash != plain_sha256(prev_hash=entries[0].prev_hash, entry=entries[0])


def test_altered_entry_is_named(chain):
    _, entries = chain
    AuditEntry.objects.filter(pk=entries[2].pk).update(data={"n": 99})
    report = verify_chain()
    assert report.first_broken_id == entries[2].pk
    assert "altered" in report.reason


def test_edit_and_recompute_the_plain_sha256_chain_is_detected(chain):
    _, entries = chain
    AuditEntry.objects.filter(pk=entries[2].pk).update(data={"n": 99, "note": "Văn bản số 06"})
    recompute_from(entries[2].pk, plain_sha256)
    report = verify_chain()
    assert not report.ok
    assert report.first_broken_id == entries[2].pk
    assert "altered" in report.reason


def test_recomputed_under_another_key_is_detected(chain, settings):
    _, entries = chain
    settings.VANTHU_AUDIT_KEY = "a key the attacker guessed"
    AuditEntry.objects.filter(pk=entries[3].pk).update(code="tests.forged")
    recompute_from(entries[3].pk, lambda **kw: _keyed_hash(**kw))
    settings.VANTHU_AUDIT_KEY = "test-only-audit-key"
    report = verify_chain()
    assert report.first_broken_id == entries[3].pk


def _keyed_hash(*, prev_hash, entry):
    from core.audit import entry_hash

    return entry_hash(prev_hash=prev_hash, entry=entry)


def test_deleted_entry_in_the_middle_names_the_next(chain):
    _, entries = chain
    AuditEntry.objects.filter(pk=entries[1].pk).delete()  # bypasses the model's own refusal
    report = verify_chain()
    assert report.first_broken_id == entries[2].pk
    assert "removed" in report.reason


def test_deleting_the_last_three_entries_is_detected_against_the_anchor(chain, anchor_file):
    _, entries = chain
    anchor_head()
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[2:]]).delete()
    report = verify_chain()
    assert not report.ok
    assert report.checked == 2
    assert "truncated" in report.reason
    assert f"after #{entries[1].pk}" in report.reason
    assert f"#{entries[4].pk}" in report.reason


def test_without_the_anchor_a_truncated_tail_is_not_visible(chain):
    """Why anchors exist: the keyed chain alone cannot tell a truncated log from a shorter one."""
    _, entries = chain
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[2:]]).delete()
    assert verify_chain().ok


def test_an_anchor_before_later_entries_still_verifies(chain):
    anchor_head()
    log_action("tests.later", {}, None)
    anchor_head()
    log_action("tests.even_later", {}, None)
    report = verify_chain()
    assert report.ok, report.reason
    assert report.anchors == 2


def test_anchor_file_is_appended_with_head_count_and_time(chain, anchor_file):
    _, entries = chain
    first = anchor_head()
    log_action("tests.later", {}, None)
    second = anchor_head()
    lines = [json.loads(line) for line in anchor_file.read_text().splitlines()]
    assert len(lines) == 2
    assert lines[0]["count"] == 5 and lines[0]["last_id"] == entries[-1].pk
    assert lines[0]["head"] == entries[-1].entry_hash
    assert lines[1]["count"] == 6
    assert datetime.datetime.fromisoformat(lines[0]["at"]) <= datetime.datetime.fromisoformat(lines[1]["at"])
    assert (first.count, second.count) == (5, 6)


def test_a_forged_anchor_line_is_refused(chain, anchor_file):
    anchor_head()
    line = json.loads(anchor_file.read_text())
    line["count"] = 4
    anchor_file.write_text(json.dumps(line) + "\n")
    report = verify_chain()
    assert not report.ok
    assert "anchor" in report.reason and "not authentic" in report.reason


def test_a_replaced_head_is_detected_against_the_anchor(chain, anchor_file):
    """Replacing the anchored entry itself changes the head the anchor recorded."""
    _, entries = chain
    anchor_head()
    AuditEntry.objects.filter(pk=entries[4].pk).delete()
    log_action("tests.step", {"n": 4, "note": "Văn bản số 05"}, None)
    report = verify_chain()
    assert not report.ok
    assert "truncated" in report.reason


def test_entries_refuse_update_and_delete(chain):
    _, entries = chain
    entry = entries[0]
    entry.code = "tampered"
    with pytest.raises(Exception, match="append-only"):
        entry.save()
    with pytest.raises(Exception, match="append-only"):
        entry.delete()


def test_verify_audit_command(chain, capsys):
    call_command("verify_audit")
    assert "5 entries verified" in capsys.readouterr().out
    AuditEntry.objects.filter(pk=chain[1][3].pk).update(code="x")
    with pytest.raises(CommandError, match=f"#{chain[1][3].pk}"):
        call_command("verify_audit")


def test_verify_audit_command_reports_a_truncated_tail(chain, capsys):
    _, entries = chain
    call_command("audit_anchor")
    assert f"5 entries up to #{entries[-1].pk}" in capsys.readouterr().out
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[2:]]).delete()
    with pytest.raises(CommandError, match="truncated"):
        call_command("verify_audit")


def test_verify_audit_says_when_nothing_is_anchored(chain, capsys):
    call_command("verify_audit")
    assert "no anchor" in capsys.readouterr().out


def test_trail_for_an_object(make_user):
    user = make_user()
    other = make_user()
    log_action("tests.created", {}, user, obj=other)
    log_action("tests.unrelated", {}, user)
    assert [e.code for e in trail_for(other)] == ["tests.created"]
    assert trail_for(other)[0].actor == user


# --- the data migration that re-keys an existing plain SHA-256 chain ---------------------------------------------


def _plain_chain(make_user, n: int) -> list[AuditEntry]:
    entries = [log_action("tests.old", {"n": i}, make_user()) for i in range(n)]
    recompute_from(entries[0].pk, plain_sha256)
    return list(AuditEntry.objects.order_by("id"))


def _rekey():
    migration = importlib.import_module("core.migrations.0004_audit_keyed_chain")
    migration.rekey_chain(django_apps, None)


def test_migration_rekeys_an_intact_plain_chain(make_user, anchor_file):
    old = _plain_chain(make_user, 3)
    assert not verify_chain().ok  # a plain chain does not verify under the key
    _rekey()
    report = verify_chain()
    assert report.ok, report.reason
    assert report.checked == 4
    last = AuditEntry.objects.order_by("id").last()
    assert last.code == "core.audit.rekeyed"
    assert last.data == {"entries": 3, "plain_head": old[-1].entry_hash}
    assert [e.data for e in AuditEntry.objects.order_by("id")[:3]] == [e.data for e in old]


def test_migration_refuses_a_broken_plain_chain(make_user):
    old = _plain_chain(make_user, 3)
    AuditEntry.objects.filter(pk=old[1].pk).update(code="tests.altered")
    with pytest.raises(RuntimeError, match=f"#{old[1].pk}"):
        _rekey()
    assert list(AuditEntry.objects.order_by("id").values_list("entry_hash", flat=True)) == [e.entry_hash for e in old]


def test_migration_on_an_empty_log_writes_nothing(db):
    _rekey()
    assert not AuditEntry.objects.exists()
