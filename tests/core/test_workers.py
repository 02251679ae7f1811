"""Task workers on several machines share one PostgreSQL queue: each task runs exactly once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from core.tasks import verify_audit_chain

ROOT = Path(__file__).resolve().parents[2]
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_db_workers_share_the_queue_without_running_a_task_twice(on_postgres):
    with override_settings(TASKS=DB_BACKEND):
        results = [verify_audit_chain.using(backend="default").enqueue() for _ in range(30)]
    assert DBTaskResult.objects.filter(status="READY").count() == 30

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "SECRET_KEY": "worker-test",
        "DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--no-reload",
                "--worker-id",
                f"w{n}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in (1, 2)
    ]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs

    rows = DBTaskResult.objects.filter(id__in=[r.id for r in results])
    assert rows.count() == 30
    assert set(rows.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert all(len(row.worker_ids) == 1 for row in rows)
    assert {row.worker_ids[0] for row in rows} <= {"w1", "w2"}
