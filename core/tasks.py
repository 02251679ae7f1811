"""Background tasks of the foundation (django-tasks; `manage.py db_worker` runs them)."""

from __future__ import annotations

import logging

from django_tasks import task

from core.audit import verify_chain

logger = logging.getLogger(__name__)


@task()
def verify_audit_chain() -> dict:
    """Re-check the audit log's hash chain; a broken chain is logged as an error for operators."""
    report = verify_chain()
    if not report.ok:
        logger.error("Audit chain broken at entry #%s: %s", report.first_broken_id, report.reason)
    return {"ok": report.ok, "checked": report.checked, "first_broken_id": report.first_broken_id}
