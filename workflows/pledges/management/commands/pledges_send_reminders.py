from django.core.management.base import BaseCommand

from workflows.pledges.services.invitations import send_due_reminders


class Command(BaseCommand):
    help = "Send the pledge reminders that are due (run hourly from cron or a scheduler)."

    def handle(self, *args, **options) -> None:
        sent = send_due_reminders()
        self.stdout.write(f"{sent} reminder(s) queued")
