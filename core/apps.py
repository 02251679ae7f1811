from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Nền tảng")

    def ready(self) -> None:
        from core import roles

        # Permissions of every app exist only after their own post_migrate: sync roles last.
        post_migrate.connect(roles.sync_role_permissions_on_migrate, dispatch_uid="core-sync-roles")
