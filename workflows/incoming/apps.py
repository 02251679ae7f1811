from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncomingConfig(AppConfig):
    name = "workflows.incoming"
    label = "incoming"
    verbose_name = _("Văn bản đến")

    def ready(self) -> None:
        from . import flows  # noqa: F401  (its receiver starts the handling of each registered document)
