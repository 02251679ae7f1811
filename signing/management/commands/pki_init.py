from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from signing.demo import init_pki


class Command(BaseCommand):
    help = "Create the development PKI (root CA, carrier CA, TSA, org-seal, org-system, leader keys). Idempotent."

    def handle(self, *args, **options):
        try:
            records = init_pki(stdout=self.stdout)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"development PKI ready: {', '.join(r.key_id for r in records)}"))
