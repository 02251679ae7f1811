"""Roles are Django groups. Each role's permissions are listed here as "app_label.codename".

Groups are created by a migration; their permissions are synced after every `migrate` (flow permissions are
created by viewflow at post_migrate, after the migration ran). Permissions an app has not created yet are
skipped, so adding an app never breaks `migrate`.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

logger = logging.getLogger(__name__)


class Role(StrEnum):
    """Group names, as staff see them in the admin."""

    STAFF = "Chuyên viên"
    HEAD_OF_UNIT = "Trưởng phòng"
    LEADERSHIP = "Lãnh đạo Sở"
    CLERK = "Văn thư"
    CARRIER = "Doanh nghiệp bưu chính"
    ADMINISTRATOR = "Quản trị"


_ADMIN_ACCESS = ["wagtailadmin.access_admin"]
_INTERNAL = [*_ADMIN_ACCESS, "wagtaildocs.add_document", "wagtailimages.add_image"]

_DISPATCH_READ = ["dispatch.view_dispatchprocess"]
_DISPATCH_DRAFT = ["dispatch.can_start_dispatchprocess", "dispatch.can_draft_dispatchprocess"]

# Pledge campaign: staff run campaigns and the registry; leadership and clerks watch them.
_PLEDGES_READ = ["pledges.view_campaign", "pledges.view_carrier", "pledges.view_pledge", "pledges.view_pledgeprocess"]
_PLEDGES_RUN = [
    *_PLEDGES_READ,
    "pledges.add_campaign",
    "pledges.change_campaign",
    "pledges.add_carrier",
    "pledges.change_carrier",
]

# templates_docs: the outgoing register (sổ văn bản đi) and the DOCX template versions.
_REGISTER = ["templates_docs.view_outgoing_register"]
_TEMPLATES_ADMIN = ["templates_docs.view_templateversion", "templates_docs.change_templateversion"]
# incoming documents: leaders and heads of unit read them and the register; the clerk registers them.
_INCOMING_READ = ["incoming.view_incomingdocument", "incoming.view_incoming_register"]
_INCOMING_REGISTER = [*_INCOMING_READ, "incoming.add_incomingdocument"]
# handling (the flow's steps): leadership directs, the head of the unit in charge assigns, staff handle
_INCOMING_DIRECT = ["incoming.can_direct_incomingprocess"]
_INCOMING_ASSIGN = ["incoming.can_assign_incomingprocess"]
_INCOMING_HANDLE = ["incoming.can_handle_incomingprocess"]
# signing: the trust store (national roots and CA intermediates) in the admin.
_TRUST_STORE_ADMIN = ["signing.view_trustedcertificate", "signing.change_trustedcertificate"]

# Each app adds the permissions its steps need under the roles that perform them.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.STAFF: [*_INTERNAL, *_DISPATCH_READ, *_DISPATCH_DRAFT, *_PLEDGES_RUN, *_INCOMING_HANDLE],
    Role.HEAD_OF_UNIT: [
        *_INTERNAL,
        *_DISPATCH_READ,
        *_DISPATCH_DRAFT,
        "dispatch.can_review_dispatchprocess",
        *_PLEDGES_RUN,
        *_REGISTER,
        *_INCOMING_READ,
        *_INCOMING_ASSIGN,
        *_INCOMING_HANDLE,
    ],
    Role.LEADERSHIP: [
        *_INTERNAL,
        *_DISPATCH_READ,
        *_PLEDGES_READ,
        "dispatch.can_approve_dispatchprocess",
        "dispatch.can_sign_dispatchprocess",
        *_REGISTER,
        *_INCOMING_READ,
        *_INCOMING_DIRECT,
    ],
    Role.CLERK: [
        *_INTERNAL,
        *_DISPATCH_READ,
        *_PLEDGES_READ,
        "dispatch.can_number_dispatchprocess",
        "dispatch.can_seal_dispatchprocess",
        "dispatch.can_send_dispatchprocess",
        *_REGISTER,
        *_INCOMING_REGISTER,
    ],
    # Carriers never get admin access nor any view_<process> permission: they use their own pages.
    Role.CARRIER: [],
    # Not a superuser (hole 7 of issue 11): accounts of the non-signing roles only (core.accounts), the
    # organisation, the templates, the audit log, unlocking logins. Never a flow's manage permission (cancel, undo),
    # never the second-factor devices.
    Role.ADMINISTRATOR: [
        *_INTERNAL,
        "core.change_organisationsettings",
        "core.add_user",
        "core.change_user",
        "core.view_user",
        "core.view_auditentry",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        *_TEMPLATES_ADMIN,
        *_TRUST_STORE_ADMIN,
    ],
}


def ensure_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def sync_role_permissions() -> list[str]:
    """Give every role group exactly the listed permissions that exist. Returns those still missing."""
    ensure_groups()
    missing: list[str] = []
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        perms = []
        for name in dict.fromkeys(names):
            app_label, codename = name.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None:
                missing.append(name)
            else:
                perms.append(perm)
        group.permissions.set(perms)
    return missing


def sync_role_permissions_on_migrate(sender, app_config=None, **kwargs) -> None:
    # post_migrate fires once per app; syncing on the last one sees every permission.
    from django.apps import apps

    last_app = list(apps.get_app_configs())[-1]
    if app_config is not None and app_config.label != last_app.label:
        return
    missing = sync_role_permissions()
    if missing:
        logger.info("Role permissions not created yet (skipped): %s", ", ".join(sorted(set(missing))))


def has_role(user, role: Role) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.groups.filter(name=role.value).exists()


def users_with_permission(permission: str | None):
    """Active users holding "app_label.codename" through a group or directly (who may take a queued task)."""
    if not permission:
        return get_user_model().objects.none()
    app_label, codename = permission.split(".", 1)
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if perm is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(Q(groups__permissions=perm) | Q(user_permissions=perm), is_active=True)
        .distinct()
    )
