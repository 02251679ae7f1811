from django.core.management.base import BaseCommand

from workflows.dispatch.services.reminders import remind_overdue_task


class Command(BaseCommand):
    help = "Queue the reminder of overdue dispatch tasks (run it from cron, e.g. hourly)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", action="store_true", help="Run in this process instead of queueing.")

    def handle(self, *args, now: bool = False, **options) -> None:
        if now:
            count = remind_overdue_task.call()
            self.stdout.write(f"Reminded {count} overdue task(s).")
        else:
            result = remind_overdue_task.enqueue()
            self.stdout.write(f"Queued reminder task {result.id}.")
