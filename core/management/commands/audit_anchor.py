from django.conf import settings
from django.core.management.base import BaseCommand

from core.audit import anchor_head


class Command(BaseCommand):
    help = (
        "Append the audit log's head (hash, entry count, time) to VANTHU_AUDIT_ANCHOR_FILE, outside the database, "
        "so verify_audit detects a truncated tail. Run from cron; the line is also printed for syslog."
    )

    def handle(self, *args, **options) -> None:
        anchor = anchor_head()
        self.stdout.write(
            f"Audit head anchored in {settings.VANTHU_AUDIT_ANCHOR_FILE}: {anchor.count} entries up to "
            f"#{anchor.last_id}, head {anchor.head}, at {anchor.at}."
        )
        self.stdout.write(anchor.line())
