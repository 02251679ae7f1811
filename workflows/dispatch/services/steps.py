"""What every step's service checks itself, whatever called it (defence in depth behind the flow's own checks):
the dispatch is at that step, and the user holds the step's permission."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.types import User
from workflows.dispatch.errors import DispatchError
from workflows.dispatch.models import DispatchProcess


def require_step(process: DispatchProcess, user: User, *, stages: tuple[str, ...], permission: str) -> None:
    """`permission` is the flow node's codename (`can_<node>_dispatchprocess`); `stages` the stages it acts on."""
    if user is None or not user.has_perm(f"dispatch.{permission}"):
        raise DispatchError(
            _("Bạn không có quyền thực hiện bước này."),
            detail=f"{permission} missing for user {getattr(user, 'pk', None)}",
        )
    if process.stage not in stages:
        raise DispatchError(
            _("Văn bản đang ở bước «%(stage)s», không thực hiện được bước này.")
            % {"stage": process.get_stage_display()},
            detail=f"stage {process.stage} not in {stages} for {permission}",
        )
