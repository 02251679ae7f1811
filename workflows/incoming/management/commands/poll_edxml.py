"""manage.py poll_edxml --as USERNAME: take the packages waiting at the configured transport (run it from cron).

Each one is registered (status 03 back) or refused (status 02 back with the reason) and acknowledged once; status
packages that could not be sent earlier are sent again first. Exit 0 when the transport answered, 1 otherwise.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from workflows.incoming.errors import IncomingError
from workflows.incoming.exchange import TransportError
from workflows.incoming.selectors import REGISTER_PERMISSION
from workflows.incoming.services.receiving import poll


class Command(BaseCommand):
    help = "Fetch the edXML packages waiting at the transport (VANTHU_EDXML_TRANSPORT); register or refuse each."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as", dest="username", required=True, help="the clerk the registrations are made as")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not user.has_perm(REGISTER_PERMISSION):
            raise CommandError(f"{username!r} is not an active user who may register incoming documents", returncode=2)
        with translation.override("vi"):  # reasons go to the senders in Vietnamese
            try:
                results = poll(user=user)
            except (TransportError, IncomingError) as exc:
                raise CommandError(f"poll failed: {exc.detail or exc.message}", returncode=1) from exc
        for item in results:
            if item.received is None:
                self.stdout.write(f"{item.package_id}: not fetched ({item.error})")
                continue
            received = item.received
            line = f"{item.package_id}: {received.outcome.value}"
            if received.document is not None:
                line += f" as {received.document.display_number}/{received.document.year}"
            if received.reason is not None:
                line += f" ({received.reason.detail or received.reason.message})"
            if item.error:
                line += f"; not acknowledged: {item.error}"
            self.stdout.write(line)
        self.stdout.write(f"{len(results)} package(s).")
