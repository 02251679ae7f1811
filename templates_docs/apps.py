from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TemplatesDocsConfig(AppConfig):
    name = "templates_docs"
    verbose_name = _("Mẫu văn bản")
