import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from signing import explain
from signing.services import validate_pdf
from signing.validation import ValidationReport


class Command(BaseCommand):
    help = (
        "Validate every signature of FILE. Exit codes: 0 all passed, 1 a signature failed, 2 indeterminate "
        "(untrusted, expired, revoked, missing revocation data), 3 unreadable, 4 no signature."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--trust-root", action="append", default=None, help="PEM/DER trust root (repeat)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--no-fetch", action="store_true", help="fetch nothing, even from SIGNING_FETCH_ALLOWED_HOSTS"
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the explanations (reason, format_label); default: %(default)s",
        )

    def handle(self, *args, **opts):
        try:
            data = Path(opts["file"]).read_bytes()
            roots = [Path(p).read_bytes() for p in opts["trust_root"]] if opts["trust_root"] else None
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror}") from exc
        report = validate_pdf(data, trust_roots=roots, max_bytes=2**40, fetch=not opts["no_fetch"])
        with translation.override(opts["language"]):
            if opts["json"]:
                self.stdout.write(json.dumps(explain.report_data(report), ensure_ascii=False))
            else:
                self._print(opts["file"], report)
        self.stdout.flush()
        sys.exit(report.exit_code)

    def _print(self, name: str, report: ValidationReport) -> None:
        self.stdout.write(f"{name}: {report.indication} (sha256 {report.file_sha256})")
        self.stdout.write(f"  {explain.report_reason(report)}")
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
            self.stdout.write(f"      {explain.signature_reason(sig)}")
            self.stdout.write(f"      {explain.verdict_time_label(sig)}")
            for item in sig.time_evidence:
                self.stdout.write(f"      + {explain.evidence_label(item)}")
            for entry in sig.fetched:
                self.stdout.write(f"      fetch {entry['kind']} {entry['url']}: {entry['outcome']} {entry['reason']}")
            for entry in sig.certification_path:
                store = f" [{entry['store_entry']}]" if entry["store_entry"] else ""
                self.stdout.write(
                    f"      {entry['position']}: {entry['subject_cn']} serial={entry['serial']}"
                    f" {entry['not_before']}..{entry['not_after']} sha256={entry['sha256']}{store}"
                )
