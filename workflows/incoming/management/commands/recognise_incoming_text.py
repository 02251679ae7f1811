"""Recognise (OCR) or read again the text of incoming documents, in this process: the documents named, or those
whose recognition failed (--failed) or never ran (--pending: e.g. registered while no worker was running)."""

import time

from django.core.management.base import BaseCommand, CommandError

from workflows.incoming.models import IncomingDocument, TextStatus
from workflows.incoming.services.ocr import recognise_text


class Command(BaseCommand):
    help = "OCR paper scans / read PDF text layers of incoming documents again; exit 1 if any still fails."

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="IncomingDocument ids")
        parser.add_argument("--failed", action="store_true", help="every document whose recognition failed")
        parser.add_argument("--pending", action="store_true", help="every document still waiting for it")

    def handle(self, *args, ids: list[int], failed: bool, pending: bool, **options) -> None:
        statuses = [s for s, wanted in ((TextStatus.FAILED, failed), (TextStatus.PENDING, pending)) if wanted]
        if not ids and not statuses:
            raise CommandError("name document ids, or --failed / --pending")
        documents = IncomingDocument.objects.filter(file__isnull=False)
        chosen = documents.filter(pk__in=ids) if ids else documents.filter(text_status__in=statuses)
        missing = set(ids) - set(chosen.values_list("pk", flat=True))
        if missing:
            raise CommandError(f"no incoming document with a file: {sorted(missing)}")
        still_failing = 0
        for pk in chosen.order_by("pk").values_list("pk", flat=True):
            started = time.monotonic()
            document = recognise_text(document_id=pk)
            line = (
                f"{document.pk} {document}: {document.text_status or 'none'}, {len(document.text)} characters, "
                f"{time.monotonic() - started:.1f} s"
            )
            if document.text_status == TextStatus.FAILED:
                still_failing += 1
                line += f" ({document.text_error})"
            self.stdout.write(line)
        if still_failing:
            raise CommandError(f"{still_failing} document(s) still without text", returncode=1)
