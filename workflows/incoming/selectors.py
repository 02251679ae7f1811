"""Reads of incoming documents: the register, the duplicate check, overdue items."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from core.models import StaffProfile
from core.text import fold
from core.types import User
from templates_docs.services import current_organisation
from workflows.work import WorkItem

from .models import OPEN_STATUSES, IncomingDocument, IncomingProcess, Opinion, Status

VIEW_PERMISSION = "incoming.view_incomingdocument"
REGISTER_PERMISSION = "incoming.add_incomingdocument"
REGISTER_BOOK_PERMISSION = "incoming.view_incoming_register"


def registered() -> QuerySet[IncomingDocument]:
    """Registered and not withdrawn: a recalled document leaves the lists, the register and the duplicate check."""
    return IncomingDocument.objects.filter(number__isnull=False).exclude(status=Status.RECALLED)


def find_duplicates(*, issuer_name: str, issuer_organ_id: str, code: str, sha256: str) -> list[IncomingDocument]:
    """Registered documents that look like this one: the same file, or the same issuer's same số, ký hiệu.

    The issuer is the same when both organ ids are given and equal, else when the names fold to the same text
    (case, diacritics and spacing aside); so is the số, ký hiệu.
    """
    query = Q(file_sha256=sha256) if sha256 else Q(pk__in=[])
    if code:  # a coarse prefilter on the number before the folded comparison
        query |= Q(code__istartswith=code.split("/")[0].strip())
    candidates = list(registered().filter(query).order_by("year", "number"))
    folded_code, folded_issuer = _key(code), _key(issuer_name)
    found = []
    for doc in candidates:
        if sha256 and doc.file_sha256 == sha256:
            found.append(doc)
        elif code and _key(doc.code) == folded_code:
            if issuer_organ_id and doc.issuer_organ_id:
                same_issuer = doc.issuer_organ_id.casefold() == issuer_organ_id.casefold()
            else:
                same_issuer = _key(doc.issuer_name) == folded_issuer
            if same_issuer:
                found.append(doc)
    return found


def _key(text: str) -> str:
    return "".join(fold(text).split())


def is_overdue(document: IncomingDocument, *, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return document.deadline is not None and document.status in OPEN_STATUSES and document.deadline < today


def register_entries(
    *, year: int | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[IncomingDocument]:
    """The lines of the sổ đăng ký văn bản đến, in số đến order: a year, or a period of receipt."""
    entries = registered()
    if year is not None:
        entries = entries.filter(year=year)
    if date_from is not None:
        entries = entries.filter(received_at__date__gte=date_from)
    if date_to is not None:
        entries = entries.filter(received_at__date__lte=date_to)
    return entries.order_by("year", "number")


def register_years() -> list[int]:
    return sorted(set(registered().values_list("year", flat=True)), reverse=True)


def search(
    *, query: str = "", year: int | None = None, status: str = "", within: QuerySet[IncomingDocument] | None = None
) -> list[IncomingDocument]:
    """The list page: urgent first, then the newest số đến; the query folds diacritics and matches the trích yếu,
    số, ký hiệu, issuer or the document's text (OCR of a scan, text layer of a PDF; folded when stored).
    `within`: the documents the reader may see (default: the whole register)."""
    documents = registered() if within is None else within
    if year is not None:
        documents = documents.filter(year=year)
    if status:
        documents = documents.filter(status=status)
    documents = list(documents.order_by("-urgency_rank", "-year", "-number"))
    key = fold(" ".join(query.split()))
    if key:
        in_text = set(IncomingDocument.objects.filter(text_folded__contains=key).values_list("pk", flat=True))
        documents = [
            d
            for d in documents
            if d.pk in in_text or key in fold(f"{d.subject} {d.code} {d.issuer_name} {d.display_number}")
        ]
    return documents


# --- handling: units, who may see and act on a document, the work list ------------------------------------------

DIRECT_PERMISSION = "incoming.can_direct_incomingprocess"
ASSIGN_PERMISSION = "incoming.can_assign_incomingprocess"
HANDLE_PERMISSION = "incoming.can_handle_incomingprocess"
_OPEN_TASKS = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def unit_names() -> dict[str, str]:
    """The organisation's units by abbreviation (the drafting units of its settings)."""
    return {u["abbreviation"]: u["name"] for u in current_organisation().get("units", []) if u.get("abbreviation")}


def unit_of(user: User | AnonymousUser) -> str:
    if not user.is_authenticated:
        return ""
    return StaffProfile.objects.filter(user=user).values_list("unit_abbreviation", flat=True).first() or ""


def unit_members(unit: str) -> QuerySet:
    return (
        get_user_model()
        .objects.filter(staff_profile__unit_abbreviation=unit, is_active=True)
        .order_by("last_name", "first_name", "username")
    )


def process_of(document: IncomingDocument) -> IncomingProcess | None:
    return IncomingProcess.objects.filter(document=document).select_related("handler").first()


def opinion_level(user: User | AnonymousUser, document: IncomingDocument) -> str | None:
    """The level at which this user writes an opinion on the document now: its handler, or a member of a
    cooperating unit; None for anyone else."""
    process = process_of(document)
    if process is None or not user.is_authenticated:
        return None
    if process.handler_id == user.pk:
        return Opinion.Level.HANDLER
    unit = unit_of(user)
    if unit and unit in (process.cooperating_units or []):
        return Opinion.Level.COOPERATING
    return None


def may_decide_extension(user: User | AnonymousUser, process: IncomingProcess) -> str | None:
    """At which level this user decides the handler's request for more time: the leadership, or a head of the unit
    in charge; None for anyone else (and for the handler themself)."""
    if not user.is_authenticated or process.handler_id == user.pk:
        return None
    if user.has_perm(DIRECT_PERMISSION):
        return Opinion.Level.LEADERSHIP
    if user.has_perm(ASSIGN_PERMISSION) and unit_of(user) == process.lead_unit:
        return Opinion.Level.UNIT
    return None


def can_view(user: User | AnonymousUser, document: IncomingDocument) -> bool:
    """Readers of the register see every document; the units and the handler it was given to see it too."""
    if not user.is_authenticated:
        return False
    if user.has_perm(VIEW_PERMISSION):
        return True
    process = process_of(document)
    if process is None:
        return False
    unit = unit_of(user)
    return process.handler_id == user.pk or bool(unit and unit in [process.lead_unit, *process.cooperating_units])


def visible_to(user: User | AnonymousUser) -> QuerySet[IncomingDocument]:
    """The list's documents: all for readers of the register, else those given to the user or the user's unit."""
    if not user.is_authenticated:
        return IncomingDocument.objects.none()
    if user.has_perm(VIEW_PERMISSION):
        return registered()
    unit = unit_of(user)
    given = Q(process__handler=user)
    if unit:  # the units are a short JSON list; SQLite has no JSON containment lookup
        processes = IncomingProcess.objects.only("document_id", "lead_unit", "cooperating_units")
        given |= Q(pk__in=[p.document_id for p in processes if unit in [p.lead_unit, *p.cooperating_units]])
    return registered().filter(given).distinct()


def open_tasks() -> QuerySet[Task]:
    return Task.objects.filter(
        process__incomingprocess__isnull=False, status__in=_OPEN_TASKS, flow_task_type="HUMAN"
    ).select_related("process", "owner")


def open_task_for(document: IncomingDocument) -> Task | None:
    process = process_of(document)
    if process is None:
        return None
    return open_tasks().filter(process=process).first()


def step_deadline(task: Task) -> dt.date | None:
    """The deadline of an open step: the handler's for the handling, else the document's."""
    process = task.process.coerced
    if task.flow_task.name == "handle" and process.handler_deadline:
        return process.handler_deadline
    return process.document.deadline


def _deadline_at(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


def work_items(user: User | AnonymousUser) -> list[WorkItem]:
    """The workspace's rows: the incoming tasks assigned to the user and those the user may take."""
    if not user.is_authenticated:
        return []
    tasks = open_tasks()
    today = timezone.localdate()
    items = []
    for task in (tasks.filter(owner=user) | tasks.filter(status=STATUS.NEW, owner__isnull=True)).distinct():
        if task.owner_id is None and not task.flow_task.can_assign(user, task):
            continue
        process = task.process.coerced
        document = process.document
        deadline = step_deadline(task)
        items.append(
            WorkItem(
                kind=_("Văn bản đến"),
                reference=str(document),
                title=document.subject,
                step=str(task.flow_task.task_title),
                deadline=_deadline_at(deadline),
                overdue=deadline is not None and deadline < today,
                urgency=document.get_urgency_display() if document.urgency else "",
                urgency_rank=document.urgency_rank,
                created=task.created,
                assigned_to_me=task.owner_id == user.pk,
                open_url=reverse("incoming:take", args=[task.pk]),
                detail_url=reverse("incoming:detail", args=[document.pk]),
            )
        )
    for process in IncomingProcess.objects.filter(extension_until__isnull=False).select_related("document"):
        if may_decide_extension(user, process) is None:
            continue
        document = process.document
        items.append(
            WorkItem(
                kind=_("Văn bản đến"),
                reference=str(document),
                title=document.subject,
                step=_("Xem xét đề nghị gia hạn đến %(date)s") % {"date": process.extension_until.strftime("%d/%m/%Y")},
                deadline=_deadline_at(process.handler_deadline or document.deadline),
                overdue=bool(process.handler_deadline and process.handler_deadline < today),
                urgency=document.get_urgency_display() if document.urgency else "",
                urgency_rank=document.urgency_rank,
                created=document.updated_at,
                assigned_to_me=True,
                open_url=reverse("incoming:open", args=[document.pk]),
                detail_url=reverse("incoming:detail", args=[document.pk]),
            )
        )
    return items
