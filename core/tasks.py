"""Background tasks of the foundation (django-tasks; `manage.py db_worker` runs them)."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend

from core.audit import verify_chain

logger = logging.getLogger(__name__)


def enqueue_with_transaction(task: Task, *args, **kwargs) -> None:
    """Enqueue `task` as part of the caller's transaction. With the database queue the task's row commits or rolls
    back with the data it is about (a crash right after the commit cannot lose it); another backend, which cannot
    join the transaction, gets the task once the transaction has committed."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


@task()
def verify_audit_chain() -> dict:
    """Re-check the audit log's hash chain; a broken chain is logged as an error for operators."""
    report = verify_chain()
    if not report.ok:
        logger.error("Audit chain broken at entry #%s: %s", report.first_broken_id, report.reason)
    return {"ok": report.ok, "checked": report.checked, "first_broken_id": report.first_broken_id}
