from django.core.management.base import BaseCommand

from workflows.incoming.services.reminders import remind_overdue_incoming_task


class Command(BaseCommand):
    help = "Queue the chasing of overdue incoming documents (run it from cron, e.g. every morning)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", action="store_true", help="Run in this process instead of queueing.")

    def handle(self, *args, now: bool = False, **options) -> None:
        if now:
            count = remind_overdue_incoming_task.call()
            self.stdout.write(f"Reminded {count} overdue incoming document step(s).")
        else:
            result = remind_overdue_incoming_task.enqueue()
            self.stdout.write(f"Queued reminder task {result.id}.")
