from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from core.demo import print_accounts
from core.errors import UserError


class Command(BaseCommand):
    help = "Load the demo data of every app (VANTHU_DEMO_LOADERS). Idempotent. Refused in production."

    def handle(self, *args, **options) -> None:
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("Demo data is never loaded with production settings.")
        for dotted in settings.VANTHU_DEMO_LOADERS:
            self.stdout.write(f"Loading demo data: {dotted}")
            loader = import_string(dotted)
            try:
                with transaction.atomic():
                    loader(stdout=self.stdout)
            except UserError as exc:  # an app refused: say why, exit 1, nothing of this loader kept
                raise CommandError(f"{dotted}: {exc.detail or exc.message}") from exc
        print_accounts(self.stdout)
