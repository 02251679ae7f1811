"""Background tasks of the dispatch process (django-tasks; `manage.py db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def remind_overdue_tasks() -> int:
    """Flag and remind every dispatch task past its deadline (once per task). Returns how many were reminded."""
    return services.remind_overdue()
