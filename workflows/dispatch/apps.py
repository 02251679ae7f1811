from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "workflows.dispatch"
    label = "dispatch"
    verbose_name = _("Văn bản đi")
