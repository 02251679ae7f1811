"""What the staff workspace reads: every flow's rows for one user, most pressing first.

A flow app plugs in by exposing `work_items(user) -> list[workflows.work.WorkItem]` in its selectors and adding
it to SOURCES below (NOTES.md, "Việc của tôi").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser

from core.roles import Role
from core.types import User
from workflows.dispatch import selectors as dispatch_selectors
from workflows.incoming import selectors as incoming_selectors
from workflows.work import WorkItem

SOURCES: list[Callable[[User | AnonymousUser], list[WorkItem]]] = [
    dispatch_selectors.work_items,
    incoming_selectors.work_items,
]

# Pages that act on several documents at once, each `(user) -> [{"url", "label", "count"}]` (only those with work).
BATCH_SOURCES: list[Callable[[User | AnonymousUser], list[dict]]] = [
    dispatch_selectors.batch_links,
]

# Pages that start new work, each `(user) -> [{"url", "label"}]` (only those the user may start).
START_SOURCES: list[Callable[[User | AnonymousUser], list[dict]]] = [
    dispatch_selectors.start_links,
]

STAFF_ROLES = (Role.STAFF, Role.HEAD_OF_UNIT, Role.LEADERSHIP, Role.CLERK, Role.ADMINISTRATOR)

_NO_DEADLINE = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def is_staff_member(user: User | AnonymousUser) -> bool:
    """Staff of the department (any internal role, or the admin's staff flag); carriers and the public are not."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.groups.filter(name__in=[role.value for role in STAFF_ROLES]).exists()


def _pressing_first(item: WorkItem) -> tuple:
    return (not item.overdue, -item.urgency_rank, item.deadline or _NO_DEADLINE, item.created)


def work_for(user: User | AnonymousUser) -> list[WorkItem]:
    """Everything the user can act on now across the flows: overdue first, then the most urgent, then the
    nearest deadline, then the oldest."""
    if not is_staff_member(user):
        return []
    items = [item for source in SOURCES for item in source(user)]
    return sorted(items, key=_pressing_first)


def batch_links_for(user: User | AnonymousUser) -> list[dict]:
    """The batch pages with something waiting for the user (e.g. "Ký số hàng loạt" for a leader with a document
    to sign), for the navigation and "Việc của tôi"."""
    if not is_staff_member(user):
        return []
    return [link for source in BATCH_SOURCES for link in source(user)]


def start_links_for(user: User | AnonymousUser) -> list[dict]:
    """What the user may start from "Việc của tôi" (e.g. "Soạn văn bản mới" for those who draft)."""
    if not is_staff_member(user):
        return []
    return [link for source in START_SOURCES for link in source(user)]
