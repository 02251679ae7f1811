from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from signing.errors import SigningError
from signing.services import APPEARANCES, LEVELS, sign_pdf


class Command(BaseCommand):
    help = "Sign IN with the key record KEY_ID and write OUT (a new incremental revision)."

    def add_arguments(self, parser):
        parser.add_argument("input")
        parser.add_argument("output")
        parser.add_argument("--key", required=True, dest="key_id")
        parser.add_argument("--level", default="B-T", choices=LEVELS)
        parser.add_argument("--appearance", default="signature", choices=APPEARANCES)
        parser.add_argument("--page", type=int, default=None, help="0-based page (default: last page)")
        parser.add_argument("--box", type=float, nargs=4, metavar=("X1", "Y1", "X2", "Y2"), default=None)
        parser.add_argument("--text", action="append", default=None, help="text line (repeat); {time} = signing time")
        parser.add_argument("--reason", default=None)
        parser.add_argument("--location", default=None)

    def handle(self, *args, **opts):
        try:
            data = Path(opts["input"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {opts['input']}: {exc.strerror}") from exc
        try:
            signed = sign_pdf(
                data,
                key_id=opts["key_id"],
                level=opts["level"],
                appearance=opts["appearance"],
                page=opts["page"],
                box=tuple(opts["box"]) if opts["box"] else None,
                text_lines=opts["text"],
                reason=opts["reason"],
                location=opts["location"],
            )
        except SigningError as exc:
            raise CommandError(f"{type(exc).__name__}: {exc}") from exc
        Path(opts["output"]).write_bytes(signed)
        self.stdout.write(f"signed {opts['output']} ({len(signed)} bytes, {opts['level']}, key {opts['key_id']})")
