"""django-tasks-db's worker, with a lease: see core.workers. Same name and options, so deployments do not change."""

from __future__ import annotations

from django_tasks_db.management.commands import db_worker

from core.workers import Heartbeat


class LeasedWorker(db_worker.Worker):
    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.start()
        try:
            super().run()
        finally:
            heartbeat.stop()


class Command(db_worker.Command):
    help = "Run a database background worker that holds a lease (a task of a dead worker is run again)"

    def handle(self, *args, **options) -> None:
        db_worker.Worker, original = LeasedWorker, db_worker.Worker
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original
