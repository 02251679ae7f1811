"""Who may manage whose account (hole 7 of issue 11).

The Quản trị role is not a superuser: it manages the accounts of staff, heads of unit and carriers. The accounts
that sign, seal or manage (leadership, the clerk, administrators, superusers) and those roles themselves are the
break-glass superuser's alone (docs/security.md): otherwise resetting a leader's password, or giving oneself the
leadership role, would be a way to sign in someone else's name.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group

from core.roles import Role
from core.types import User

PRIVILEGED_ROLES = (Role.LEADERSHIP, Role.CLERK, Role.ADMINISTRATOR)


def is_privileged(user: User) -> bool:
    return user.is_superuser or user.groups.filter(name__in=[r.value for r in PRIVILEGED_ROLES]).exists()


def may_manage(*, actor: User, target: User | None) -> bool:
    """May `actor` edit `target`'s account (password, name, roles, active)? None: a new account."""
    if actor.is_superuser:
        return True
    if not actor.has_perm("core.change_user"):
        return False
    return target is None or not is_privileged(target)


def grantable_groups(*, actor: User):
    """The roles `actor` may give to an account."""
    groups = Group.objects.all()
    if actor.is_superuser:
        return groups
    return groups.exclude(name__in=[r.value for r in PRIVILEGED_ROLES])


def may_grant(*, actor: User, group_ids: Iterable[str | int]) -> bool:
    wanted = {str(g) for g in group_ids if str(g).strip()}
    allowed = {str(pk) for pk in grantable_groups(actor=actor).values_list("pk", flat=True)}
    return wanted <= allowed
