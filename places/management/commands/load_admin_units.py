from django.core.management.base import BaseCommand

from places.services import sync_units


class Command(BaseCommand):
    help = "Load or update the provinces and communes (post-July-2025 list) from the vietnam-provinces package."

    def handle(self, *args, **options) -> None:
        r = sync_units()
        self.stdout.write(
            f"{r.provinces} provinces, {r.communes} communes (data {r.data_version}): "
            f"{r.created} added, {r.updated} updated, {r.retired} no longer current"
        )
