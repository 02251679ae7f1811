"""Password rules with Vietnamese refusals.

Django 5.2 changed the minimum-length message to "...at least %d characters." and its Vietnamese catalogue has no
translation of that message yet, so the refusal would reach the user in English; the source string here is
Vietnamese (the English catalogue translates it back)."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}
