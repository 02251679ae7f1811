"""The head of unit's review and the leadership's approval: approve, or return with a comment. The author of a
draft never decides on it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.audit import log_action
from core.types import User
from workflows.dispatch.errors import DispatchError
from workflows.dispatch.models import DispatchComment, DispatchProcess, Stage
from workflows.dispatch.services.steps import require_step

APPROVED = DispatchComment.Decision.APPROVE
RETURNED = DispatchComment.Decision.RETURN


def _decide(*, process: DispatchProcess, user: User, step: str, decision: str, comment: str) -> DispatchComment:
    if process.author_id == user.pk:
        raise DispatchError(_("Người soạn thảo không được tự duyệt dự thảo của mình."))
    stage = Stage.REVIEWING if step == "review" else Stage.APPROVING
    require_step(process, user, stages=(stage,), permission=f"can_{step}_dispatchprocess")
    if decision not in (APPROVED, RETURNED):
        raise DispatchError(_("Quyết định không hợp lệ."))
    comment = comment.strip()
    if decision == RETURNED and not comment:
        raise DispatchError(_("Khi trả lại, hãy ghi rõ ý kiến để người soạn thảo sửa."))
    record = DispatchComment.objects.create(
        process=process, step=step, version=process.version, decision=decision, text=comment, author=user
    )
    process.decision = decision
    if decision == RETURNED:
        process.stage = Stage.RETURNED
        process.version += 1
    else:
        process.stage = Stage.APPROVING if step == "review" else Stage.NUMBERING
    process.save(update_fields=["decision", "stage", "version"])
    log_action(
        f"workflows.dispatch.{step}_{'approved' if decision == APPROVED else 'returned'}",
        {"version": record.version, "comment": comment},
        user,
        obj=process,
    )
    return record


def review_dispatch(*, process: DispatchProcess, user: User, decision: str, comment: str = "") -> DispatchComment:
    return _decide(process=process, user=user, step="review", decision=decision, comment=comment)


def approve_dispatch(*, process: DispatchProcess, user: User, decision: str, comment: str = "") -> DispatchComment:
    if process.signer_id is not None and process.signer_id != user.pk:
        raise DispatchError(_("Chỉ lãnh đạo được giao ký mới duyệt được văn bản này."))
    return _decide(process=process, user=user, step="approve", decision=decision, comment=comment)
