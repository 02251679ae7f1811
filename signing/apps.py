from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Chữ ký số")

    def ready(self) -> None:
        checks.register(check_compat_versions)


def check_compat_versions(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check` names every pyHanko/asn1crypto version `signing.compat` was not tested on."""
    from signing import compat

    return [
        checks.Warning(
            f"signing.compat patches internals of {entry}",
            hint="Run tests/signing/test_compat.py on this version, then add it to signing.compat.TESTED.",
            id="signing.W001",
        )
        for entry in compat.untested_versions()
    ]
