"""python manage.py render_document TYPE DATA.json --docx OUT.docx --pdf OUT.pdf"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from templates_docs import services
from templates_docs.errors import DocumentError
from templates_docs.models import TemplateVersion


class Command(BaseCommand):
    help = (
        "Render an ND30 document from a JSON data file (schema: docs/templates.md). The organisation comes from "
        'the file\'s "organisation" key, else from VANTHU_DEFAULT_ORGANISATION.'
    )

    def add_arguments(self, parser):
        parser.add_argument("doc_type", help=f"one of: {', '.join(services.DOCUMENT_TYPES)}")
        parser.add_argument("data", help="JSON file with the document data")
        parser.add_argument("--docx", help="write the DOCX here")
        parser.add_argument("--pdf", help="write the PDF here")
        parser.add_argument("--draft", action="store_true", help='print "DỰ THẢO" and leave the number blank')
        parser.add_argument("--pdfa", action="store_true", help="PDF/A-2b output")

    def _fail(self, message: str) -> None:
        # One line, exit code 2 (like a usage error): bad input, not a crash.
        self.stderr.write(f"render_document: {message}")
        sys.exit(2)

    def handle(self, *args, **options):
        doc_type = options["doc_type"]
        if doc_type not in services.DOCUMENT_TYPES:
            self._fail(f"unknown document type {doc_type!r} (one of: {', '.join(services.DOCUMENT_TYPES)})")
        if not options["docx"] and not options["pdf"]:
            self._fail("give --docx and/or --pdf")
        try:
            data = json.loads(Path(options["data"]).read_text(encoding="utf-8"))
        except OSError as exc:
            self._fail(f"cannot read {options['data']}: {exc.strerror}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._fail(f"{options['data']} is not valid JSON: {exc}")
        if not isinstance(data, dict):
            self._fail(f"{options['data']} must hold a JSON object")
        organisation = {**services.default_organisation(), **(data.get("organisation") or {})}
        # Works before `migrate` too (a fresh checkout): then the shipped template is used.
        migrated = TemplateVersion._meta.db_table in connection.introspection.table_names()
        template = None if migrated else services.builtin_version(doc_type)
        try:
            if options["pdf"]:
                result = services.render_document(
                    doc_type=doc_type,
                    data=data,
                    organisation=organisation,
                    draft=options["draft"],
                    pdfa=options["pdfa"],
                    template=template,
                )
                docx, pdf = result.docx, result.pdf
            else:
                docx = services.render_docx(
                    doc_type=doc_type, data=data, organisation=organisation, draft=options["draft"], template=template
                )
                pdf = None
        except services.TemplateDataError as exc:
            self._fail(f"invalid data: field {exc.field} {exc.message}")
        except DocumentError as exc:
            raise CommandError(str(exc)) from exc
        if options["docx"]:
            Path(options["docx"]).write_bytes(docx)
        if pdf is not None:
            Path(options["pdf"]).write_bytes(pdf)
            self.stdout.write(f"{doc_type}: {result.page_count} page(s), template {result.template_version}")
        else:
            self.stdout.write(f"{doc_type}: DOCX written")
