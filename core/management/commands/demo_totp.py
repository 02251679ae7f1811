from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core import second_factor


class Command(BaseCommand):
    help = (
        "Print the current second-factor code of a demo account (its TOTP key is the demo's known one). "
        "Refused for any other account and with production settings."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if second_factor.is_production():
            raise CommandError("Demo codes are never shown with production settings.")
        user = get_user_model().objects.filter(username=username).first()
        code = second_factor.demo_code(user) if user is not None else None
        if code is None:
            raise CommandError(f"{username}: not a demo account with the demo's known key.")
        self.stdout.write(code)
