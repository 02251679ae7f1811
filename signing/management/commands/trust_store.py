from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from signing.models import TrustedCertificate
from signing.trust import store


class Command(BaseCommand):
    help = (
        "The trust store: `sync` (add/refresh the shipped certificates), `list`, `import FILE` (.p7b/.cer/.pem/.der "
        "bundle of CA certificates), `disable FP` / `enable FP` (SHA-256 fingerprint)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sync")
        listing = sub.add_parser("list")
        listing.add_argument("--all", action="store_true", help="include disabled entries")
        sub.add_parser("import").add_argument("file")
        sub.add_parser("disable").add_argument("fingerprint")
        sub.add_parser("enable").add_argument("fingerprint")

    def handle(self, *args, **opts):
        action = opts["action"]
        try:
            if action == "sync":
                added, refreshed = store.sync_bundled()
                self.stdout.write(f"trust store: {added} added, {refreshed} refreshed")
            elif action == "list":
                self._list(show_all=opts["all"])
            elif action == "import":
                path = Path(opts["file"])
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
                for obj in store.import_bundle(data=data, filename=path.name):
                    self.stdout.write(f"imported {obj.role} {obj.sha256} {obj.subject_cn}")
            else:
                obj = store.set_enabled(sha256=opts["fingerprint"], enabled=action == "enable")
                self.stdout.write(f"{action}d {obj.sha256} {obj.subject_cn}")
        except store.TrustStoreError as exc:
            raise CommandError(str(exc)) from exc

    def _list(self, *, show_all: bool) -> None:
        rows = TrustedCertificate.objects.all() if show_all else TrustedCertificate.objects.filter(enabled=True)
        for obj in rows:
            state = "" if obj.enabled else " DISABLED"
            self.stdout.write(
                f"{obj.role:12} {obj.sha256} {obj.not_before:%Y-%m-%d}..{obj.not_after:%Y-%m-%d} "
                f"{obj.subject_cn} [{obj.source}]{state}"
            )
