import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from core.files import delete_orphan, find_orphans


class Command(BaseCommand):
    help = (
        "List stored files (blobs/) that no StoredFile row refers to and that are older than the grace period "
        "(what a crash between writing a file and committing its row leaves); --delete removes them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--delete", action="store_true", help="remove the orphans listed")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=24.0,
            help="only files last written more than this many hours ago (default 24: longer than any transaction)",
        )

    def handle(self, *args, delete: bool, grace_hours: float, **options) -> None:
        if grace_hours < 0:
            raise CommandError("--grace-hours must be zero or more.")
        orphans = find_orphans(grace=dt.timedelta(hours=grace_hours))
        removed = 0
        for orphan in orphans:
            gone = delete and delete_orphan(orphan)
            removed += gone
            action = "removed" if gone else ("kept (stored again meanwhile)" if delete else "orphan")
            self.stdout.write(f"{action}\t{orphan.size}\t{orphan.modified.isoformat()}\t{orphan.path}")
        total = sum(o.size for o in orphans)
        summary = f"{len(orphans)} orphan file(s), {total} bytes"
        self.stdout.write(summary + (f"; {removed} removed." if delete else "; run with --delete to remove them."))
