"""Several documents at once: the leader signs, the clerk numbers or seals a selection of dispatches in one action.

Each document still goes through its own step exactly as on its own page: its own revision (a complete PAdES
signature, an incremental update), its own audit entry, its own viewflow task completed — the batch only saves
the repeated clicks and, for the leader, the repeated authorisations (one PIN/OTP, one remote `authorize` for all).

A document that cannot be done is left as it was (its task still open, the reason on its page and in the audit
log) and listed with a Vietnamese reason; the others go ahead. A task already done by the same user (a second
submit, another tab) is reported as done before, not done twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from core.types import User
from workflows.dispatch.errors import DispatchError
from workflows.dispatch.models import DispatchProcess, DispatchRevision, Stage
from workflows.dispatch.services import issuing
from workflows.dispatch.services.steps import require_step

__all__ = ["BatchResult", "Failure", "number_selected", "seal_selected", "sign_selected"]

MAX_BATCH = 50


@dataclass(frozen=True)
class Failure:
    task_pk: int
    process: DispatchProcess | None
    reason: str  # Vietnamese, for the page


@dataclass
class BatchResult:
    done: list[DispatchProcess] = field(default_factory=list)
    done_before: list[DispatchProcess] = field(default_factory=list)  # a repeated submit: nothing done again
    failed: list[Failure] = field(default_factory=list)


class _Skip(Exception):  # noqa: N818 - control flow inside this module, never escapes
    def __init__(self, reason: str = "", *, done_before: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.done_before = reason, done_before


def _task_ids(task_pks: Iterable[int | str]) -> list[int]:
    """The selection in its order, each once; anything that is not a task id is dropped."""
    seen: list[int] = []
    for value in task_pks:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if pk not in seen:
            seen.append(pk)
    if len(seen) > MAX_BATCH:
        raise DispatchError(
            _("Mỗi lần chỉ xử lý tối đa %(count)d văn bản; hãy chọn ít hơn.") % {"count": MAX_BATCH},
            detail=f"batch of {len(seen)} > {MAX_BATCH}",
        )
    if not seen:
        raise DispatchError(_("Chưa chọn văn bản nào."))
    return seen


def _claim(task_pk: int, *, user: User, node: str) -> tuple[Task, DispatchProcess]:
    """The task `task_pk` of step `node` and its process, locked, if `user` may perform it now; else `_Skip`.

    The same checks as the step's own page (viewflow's `can_execute` / `can_assign`, which hold the four-eyes
    rule and the step's permission); must run inside the batch's transaction."""
    task = Task.objects.filter(pk=task_pk, process__dispatchprocess__isnull=False).select_related("process").first()
    if task is None:
        raise _Skip(_("Không tìm thấy việc này."))
    locked = issuing.lock_process(task.process)
    task.refresh_from_db()
    if task.flow_task is None or task.flow_task.name != node:
        raise _Skip(_("Văn bản này không ở bước này."))
    if task.status == STATUS.DONE:
        if task.owner_id == user.pk:
            raise _Skip(done_before=True)
        raise _Skip(_("Văn bản này đã được người khác xử lý."))
    if task.status == STATUS.NEW and task.owner_id is None:
        if not task.flow_task.can_assign(user, task):
            raise _Skip(_("Bạn không có quyền thực hiện bước này với văn bản này."))
    elif task.status not in (STATUS.ASSIGNED, STATUS.NEW) or task.owner_id != user.pk:
        raise _Skip(_("Việc này đã có người khác nhận."))
    elif not task.flow_task.can_execute(user, task):
        raise _Skip(_("Bạn không có quyền thực hiện bước này với văn bản này."))
    return task, locked


def _complete(task: Task, user: User) -> None:
    """Finish the task as the step's page does after its service (viewflow: assign if queued, start, execute)."""
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        activation.assign(user)
    activation.start(None)
    activation.execute()


def _run_each(
    task_ids: Sequence[int], *, user: User, node: str, perform: Callable[[Task, DispatchProcess], None]
) -> BatchResult:
    """Each selected task in order, each in its own savepoint inside one transaction: `perform` (the step's
    service) then the task's completion; a failure rolls back that document only, and is recorded on it after
    the transaction (the step's own record went with its savepoint)."""
    result = BatchResult()
    failures: list[tuple[DispatchProcess, DispatchError]] = []
    with transaction.atomic():
        _each(task_ids, user=user, node=node, perform=perform, result=result, failures=failures)
    for process, error in failures:
        issuing.record_failure(process=process, user=user, step=node, error=error)
    return result


def _each(task_ids, *, user, node, perform, result: BatchResult, failures: list) -> None:
    for pk in task_ids:
        process = None
        try:
            with transaction.atomic():
                task, process = _claim(pk, user=user, node=node)
                perform(task, process)
                _complete(task, user)
        except _Skip as skip:
            process = process or _process_of(pk)
            if skip.done_before and process is not None:
                result.done_before.append(process)
            else:
                result.failed.append(Failure(pk, process, skip.reason))
            continue
        except (DispatchError, TransitionNotAllowed) as exc:
            error = exc if isinstance(exc, DispatchError) else DispatchError(_("Việc này vừa thay đổi trạng thái."))
            result.failed.append(Failure(pk, process, error.message))
            if process is not None:
                failures.append((process, error))
            continue
        result.done.append(DispatchProcess.objects.get(pk=process.pk))


def _process_of(task_pk: int) -> DispatchProcess | None:
    return DispatchProcess.objects.filter(task__pk=task_pk).first()


def number_selected(
    *, user: User, task_pks: Iterable[int | str], issued_date: datetime.date | None = None
) -> BatchResult:
    """The clerk numbers the selected dispatches, in the selection's order, each with `issuing.number_dispatch`.

    One transaction for the batch: the register's counter stays locked from the first number to the last, so
    the numbers given are consecutive in that order; a document that fails gives its number back (its savepoint
    rolls back) and the next one takes it — no gap, no duplicate."""
    ids = _task_ids(task_pks)

    def perform(task: Task, process: DispatchProcess) -> None:
        issuing.number_dispatch(process=process, user=user, issued_date=issued_date)

    return _run_each(ids, user=user, node="number", perform=perform)


def seal_selected(*, user: User, task_pks: Iterable[int | str]) -> BatchResult:
    """The clerk applies the organisation's seal to each selected dispatch (`issuing.seal_dispatch`: a separate
    B-LT revision each, over the leader's signature)."""
    ids = _task_ids(task_pks)

    def perform(task: Task, process: DispatchProcess) -> None:
        issuing.seal_dispatch(process=process, user=user)

    return _run_each(ids, user=user, node="seal", perform=perform)


def sign_selected(
    *, user: User, task_pks: Iterable[int | str], method: str, pin: str = "", otp: str = ""
) -> BatchResult:
    """The leader signs every selected dispatch with one method and one authorisation (`issuing.sign_documents`:
    one PIN entry, or one remote `authorize` with numSignatures = N), then each signed PDF is recorded as that
    document's own revision, audit entry and completed task (`issuing.record_signature`), as the sign page does.

    The processes stay locked from the check to the record. If the signature itself is refused (wrong PIN/OTP,
    provider down) nothing is signed and every document stays in the queue with the reason."""
    ids = _task_ids(task_pks)
    result = BatchResult()
    ready: list[tuple[Task, DispatchProcess, DispatchRevision]] = []
    refused: list[tuple[DispatchProcess, DispatchError]] = []
    with transaction.atomic():
        for pk in ids:
            process = None
            try:
                task, process = _claim(pk, user=user, node="sign")
                if process.signer_id != user.pk:
                    raise _Skip(_("Chỉ lãnh đạo được giao ký mới ký được văn bản này."))
                require_step(process, user, stages=(Stage.SIGNING,), permission="can_sign_dispatchprocess")
                base = process.latest_revision(DispatchRevision.Kind.FINAL)
                if base is None:
                    raise _Skip(_("Văn bản chưa được cấp số."))
                if process.latest_revision(DispatchRevision.Kind.SIGNED) is not None:
                    raise _Skip(_("Văn bản đã có chữ ký của lãnh đạo."))
            except _Skip as skip:
                process = process or _process_of(pk)
                if skip.done_before and process is not None:
                    result.done_before.append(process)
                else:
                    result.failed.append(Failure(pk, process, skip.reason))
                continue
            except DispatchError as exc:
                result.failed.append(Failure(pk, process, exc.message))
                continue
            ready.append((task, process, base))
        if ready:
            try:
                signed = issuing.sign_documents(
                    [issuing.document_to_sign(process, base) for _task, process, base in ready],
                    user=user,
                    method=method,
                    pin=pin,
                    otp=otp,
                    description=_describe([process for _task, process, _base in ready]),
                )
            except DispatchError as exc:
                for task, process, _base in ready:
                    result.failed.append(Failure(task.pk, process, exc.message))
                    refused.append((process, exc))
                signed = []
            for (task, process, base), pdf in zip(ready, signed, strict=False):
                try:
                    with transaction.atomic():
                        issuing.record_signature(process, process, user=user, base=base, pdf=pdf, step="signed")
                        _complete(task, user)
                except (DispatchError, TransitionNotAllowed) as exc:
                    message = exc.message if isinstance(exc, DispatchError) else _("Việc này vừa thay đổi trạng thái.")
                    result.failed.append(Failure(task.pk, process, message))
                    refused.append((process, DispatchError(message)))
                    continue
                result.done.append(process)
    for process, error in refused:
        issuing.record_failure(process=process, user=user, step="sign", error=error)
    return result


def _describe(processes: Sequence[DispatchProcess]) -> str:
    """What the remote provider shows the leader on his phone before he authorises."""
    numbers = ", ".join(p.number for p in processes[:5]) + (", …" if len(processes) > 5 else "")
    return ngettext("Ký %(count)d văn bản: %(numbers)s", "Ký %(count)d văn bản: %(numbers)s", len(processes)) % {
        "count": len(processes),
        "numbers": numbers,
    }
