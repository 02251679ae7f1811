from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the keyed hash chain of the audit log and check it against every anchor in "
        "VANTHU_AUDIT_ANCHOR_FILE; names the first broken entry or the truncated tail. Exit 1 when broken."
    )

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if not report.ok:
            where = f"at entry #{report.first_broken_id}" if report.first_broken_id is not None else "at its end"
            raise CommandError(
                f"Audit chain broken {where}: {report.reason} ({report.checked} entries verified before it)."
            )
        anchors = (
            f"matches {report.anchors} anchor(s) in {settings.VANTHU_AUDIT_ANCHOR_FILE}"
            if report.anchors
            else f"no anchor in {settings.VANTHU_AUDIT_ANCHOR_FILE} yet: run audit_anchor from cron"
        )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} entries verified, {anchors}."))
