"""Task workers that hold a lease, so a task whose worker died is run again (django-tasks-db alone leaves it
RUNNING for ever).

Each worker (`manage.py db_worker`, core's subclass of django-tasks-db's) keeps a `WorkerHeartbeat` row fresh from
a thread, in database time, so the clocks of several machines do not matter. Before each claim a worker looks for
RUNNING tasks whose last worker's lease has expired: such a task goes back to READY, or, once it has been
started VANTHU_TASK_MAX_ATTEMPTS times (django-tasks-db records one worker id per start), to FAILED with
`WorkerLost`, which staff see on the admin dashboard. Tasks must therefore be idempotent: a retried task may find
its work partly or wholly done.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models.functions import Now
from django_tasks_db.models import DBTaskResult

from core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The worker running the task stopped (killed, out of memory, machine lost) before the task finished."""


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.VANTHU_TASK_LEASE_SECONDS)


def beat(worker_id: str) -> None:
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=Now())
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "started_at": Now(), "last_seen": Now()},
        )


def live_worker_ids() -> set[str]:
    return set(WorkerHeartbeat.objects.filter(last_seen__gte=Now() - _lease()).values_list("worker_id", flat=True))


def recover_stalled_tasks() -> dict[str, int]:
    """Requeue (or, after the last attempt, fail) every RUNNING task whose worker's lease has expired."""
    counts = {"requeued": 0, "failed": 0}
    alive = live_worker_ids()
    max_attempts = settings.VANTHU_TASK_MAX_ATTEMPTS
    candidates = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=Now() - _lease())
    for task_id, worker_ids in candidates.values_list("id", "worker_ids"):
        if worker_ids and worker_ids[-1] in alive:
            continue
        with transaction.atomic():
            row = (
                DBTaskResult.objects.select_for_update(skip_locked=True)
                .filter(id=task_id, status="RUNNING", worker_ids=worker_ids)
                .first()
            )
            if row is None:  # another worker is recovering it, or it finished meanwhile
                continue
            attempts = len(row.worker_ids)
            if attempts < max_attempts:
                row.status = "READY"
                row.started_at = None
                row.save(update_fields=["status", "started_at"])
                counts["requeued"] += 1
                logger.warning(
                    "Task %s (%s): worker %s lost; run again (attempt %d of %d)",
                    row.id,
                    row.task_path,
                    worker_ids[-1:],
                    attempts + 1,
                    max_attempts,
                )
            else:
                row.set_failed(
                    WorkerLost(f"the worker stopped during each of {attempts} attempts (last: {worker_ids[-1:]})")
                )
                counts["failed"] += 1
                logger.error("Task %s (%s): worker lost on its last attempt; failed", row.id, row.task_path)
    WorkerHeartbeat.objects.filter(last_seen__lt=Now() - 10 * _lease()).delete()
    return counts


class Heartbeat:
    """A daemon thread renewing one worker's lease every quarter of the lease, and recovering the tasks of dead
    workers on the way (also while this worker is busy with a long task), until `stop()`."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id}", daemon=True)

    def start(self) -> None:
        beat(self.worker_id)  # the lease exists before the first claim
        recover_stalled_tasks()
        self._thread.start()

    def _run(self) -> None:
        interval = settings.VANTHU_TASK_LEASE_SECONDS / 4
        while not self._stop.wait(interval):
            try:
                close_old_connections()
                beat(self.worker_id)
                recover_stalled_tasks()
            except Exception:  # a database hiccup: try again next beat; the lease is several beats long
                logger.exception("Heartbeat of worker %s failed", self.worker_id)
        connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
