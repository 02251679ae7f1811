import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.audit import log_action, trail_for, verify_chain
from core.models import AuditEntry


@pytest.fixture
def chain(make_user):
    user = make_user()
    entries = [log_action("tests.step", {"n": n, "note": "Văn bản số 05"}, user) for n in range(5)]
    return user, entries


def test_entries_link_to_the_previous_hash(chain):
    _, entries = chain
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.entry_hash
    assert verify_chain().ok
    assert verify_chain().checked == 5


def test_altered_entry_is_named(chain):
    _, entries = chain
    AuditEntry.objects.filter(pk=entries[2].pk).update(data={"n": 99})
    report = verify_chain()
    assert report.first_broken_id == entries[2].pk
    assert "altered" in report.reason


def test_deleted_entry_breaks_the_link_of_the_next(chain):
    _, entries = chain
    AuditEntry.objects.filter(pk=entries[1].pk).delete()  # bypasses the model's own refusal
    report = verify_chain()
    assert report.first_broken_id == entries[2].pk


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


def test_trail_for_an_object(make_user):
    user = make_user()
    other = make_user()
    log_action("tests.created", {}, user, obj=other)
    log_action("tests.unrelated", {}, user)
    assert [e.code for e in trail_for(other)] == ["tests.created"]
    assert trail_for(other)[0].actor == user
