import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from signing.services import validate_pdf


class Command(BaseCommand):
    help = (
        "Validate every signature of FILE. Exit codes: 0 all passed, 1 a signature failed, 2 indeterminate "
        "(untrusted, expired, revoked, missing revocation data), 3 unreadable, 4 no signature."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--trust-root", action="append", default=None, help="PEM/DER trust root (repeat)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **opts):
        try:
            data = Path(opts["file"]).read_bytes()
            roots = [Path(p).read_bytes() for p in opts["trust_root"]] if opts["trust_root"] else None
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror}") from exc
        report = validate_pdf(data, trust_roots=roots, max_bytes=2**40)
        if opts["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(f"{opts['file']}: {report.indication} (sha256 {report.file_sha256})")
            if report.reason:
                self.stdout.write(f"  {report.reason}")
            for sig in report.signatures:
                self.stdout.write(
                    f"  [{sig.index}] {sig.field_name}: {sig.indication}"
                    f"{' / ' + sig.sub_indication if sig.sub_indication else ''}"
                    f" signer={sig.signer_common_name!r} uid={sig.signer_uid!r} level={sig.pades_level or '-'}"
                    f" format={sig.signature_format or '-'}"
                    f" signed={sig.signing_time} ts={sig.timestamp_time} intact={sig.intact} valid={sig.valid}"
                    f" trusted={sig.trusted} revoked={sig.revoked} coverage={sig.coverage}"
                    f" modification={sig.modification_level}"
                )
        self.stdout.flush()
        sys.exit(report.exit_code)
