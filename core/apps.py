from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Nền tảng")

    def ready(self) -> None:
        from core import auth_events, reauth, roles
        from core.models import DraftingUnit, OrganisationSettings, forget_organisation

        # Permissions of every app exist only after their own post_migrate: sync roles last.
        post_migrate.connect(roles.sync_role_permissions_on_migrate, dispatch_uid="core-sync-roles")
        reauth.connect_signals()
        auth_events.connect_signals()
        for model in (OrganisationSettings, DraftingUnit):
            for signal in (post_save, post_delete):
                signal.connect(forget_organisation, sender=model, dispatch_uid=f"core-forget-organisation-{model}")
