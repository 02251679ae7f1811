"""Real task workers (`manage.py db_worker` subprocesses) against the test's PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def worker_env(settings, tmp_path: Path, **extra: str) -> dict[str, str]:
    s = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "SECRET_KEY": "worker-test",
        "DEBUG": "false",
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "SIGNING_DEV_PKI_DIR": settings.SIGNING_DEV_PKI_DIR,
        "SIGNING_CACHE_DIR": str(tmp_path / "signing-cache"),
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",  # django-environ drops one slash
        "VANTHU_OFFICE_RUN_DIR": str(tmp_path / "office"),
        "VANTHU_TASK_LEASE_SECONDS": "2",
        "VANTHU_PLEDGES_EMAIL_RETRY_DELAY": "0",
        **extra,
    }


def start_worker(env: dict[str, str], worker_id: str, log_dir: Path) -> subprocess.Popen:
    """A worker whose output goes to `log_dir / <worker_id>.log`."""
    command = ["manage.py", "db_worker", "--no-startup-delay", "--no-reload", "--interval", "0.2"]
    with open(log_dir / f"{worker_id}.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, *command, "--worker-id", worker_id], cwd=ROOT, env=env, stdout=log, stderr=log
        )


def wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
