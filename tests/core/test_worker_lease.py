"""A task whose worker died is run again (a lease that expires), a bounded number of times, then shown to staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models.functions import Now
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.models import WorkerHeartbeat
from core.tasks import verify_audit_chain
from core.workers import beat, recover_stalled_tasks

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _running(*worker_ids: str, minutes_ago: float = 5) -> DBTaskResult:
    with override_settings(TASKS=DB_BACKEND):
        result = verify_audit_chain.using(backend="default").enqueue()
    row = DBTaskResult.objects.get(id=result.id)
    started = timezone.now() - dt.timedelta(minutes=minutes_ago)
    DBTaskResult.objects.filter(id=row.id).update(status="RUNNING", worker_ids=list(worker_ids), started_at=started)
    return DBTaskResult.objects.get(id=row.id)


def _heartbeat(worker_id: str, *, seconds_ago: float) -> None:
    beat(worker_id)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen=timezone.now() - dt.timedelta(seconds=seconds_ago)
    )


@pytest.mark.django_db
def test_a_task_whose_worker_lease_expired_is_queued_again_and_a_live_one_is_left_alone(settings):
    settings.VANTHU_TASK_LEASE_SECONDS = 60
    _heartbeat("dead", seconds_ago=120)
    beat("alive")
    orphaned = _running("dead")
    busy = _running("alive")
    never_seen = _running("gone-before-this-release")

    assert recover_stalled_tasks() == {"requeued": 2, "failed": 0}

    assert DBTaskResult.objects.get(id=orphaned.id).status == "READY"
    assert DBTaskResult.objects.get(id=never_seen.id).status == "READY"
    assert DBTaskResult.objects.get(id=busy.id).status == "RUNNING"


@pytest.mark.django_db
def test_a_task_just_claimed_is_not_taken_back_before_a_whole_lease(settings):
    settings.VANTHU_TASK_LEASE_SECONDS = 60
    fresh = _running("not-yet-beating", minutes_ago=0.1)
    assert recover_stalled_tasks() == {"requeued": 0, "failed": 0}
    assert DBTaskResult.objects.get(id=fresh.id).status == "RUNNING"


@pytest.mark.django_db
def test_after_the_last_attempt_the_task_fails_and_staff_see_it_on_the_dashboard(settings, client, make_user):
    settings.VANTHU_TASK_MAX_ATTEMPTS = 3
    lost = _running("w1", "w2", "w3")

    assert recover_stalled_tasks() == {"requeued": 0, "failed": 1}
    row = DBTaskResult.objects.get(id=lost.id)
    assert row.status == "FAILED" and row.exception_class_path == "core.workers.WorkerLost"

    client.force_login(make_user(is_superuser=True, is_staff=True))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Tác vụ nền không hoàn thành" in page
    assert "Kiểm tra nhật ký" in page and "dừng đột ngột ở cả 3 lần chạy" in page


@pytest.mark.django_db
def test_staff_without_the_permission_do_not_see_the_panel(client, make_user):
    _running("w1", "w2", "w3")
    recover_stalled_tasks()
    user = make_user(is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert "Tác vụ nền không hoàn thành" not in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.django_db
def test_old_heartbeats_are_forgotten(settings):
    settings.VANTHU_TASK_LEASE_SECONDS = 60
    _heartbeat("long-gone", seconds_ago=3600)
    recover_stalled_tasks()
    assert not WorkerHeartbeat.objects.filter(worker_id="long-gone").exists()
    beat("x")
    assert WorkerHeartbeat.objects.filter(worker_id="x", last_seen__lte=Now()).exists()
