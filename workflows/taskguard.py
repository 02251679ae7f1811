"""The one check every task URL of every flow gets: the task is a task of the node named in the URL and of the
process in the URL.

viewflow finds a task by its primary key alone (it checks only that the task's flow is the URL's flow), then runs
the URL node's view and permission on it: a draft task could be executed through the numbering form, a task of one
process assigned through another process's URL. `TaskUrlGuard` wraps every URL a node declares (execute, assign,
unassign, detail, undo, cancel, revive, and any a node adds later), so no view has to remember the check.
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _


def _guarded(callback, node):
    @wraps(callback)
    def view(request, *args, **kwargs):
        task_pk, process_pk = kwargs.get("task_pk"), kwargs.get("process_pk")
        if task_pk is not None:
            tasks = node.flow_class.task_class._default_manager
            if not tasks.filter(pk=task_pk, process_id=process_pk, flow_task=node).exists():
                raise Http404(_("Không tìm thấy việc này ở bước này của văn bản."))
        return callback(request, *args, **kwargs)

    return view


def _guard_patterns(patterns: list, node) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _guard_patterns(pattern.url_patterns, node)
        elif isinstance(pattern, URLPattern):
            pattern.callback = _guarded(pattern.callback, node)
    return patterns


class TaskUrlGuard:
    """Mix into a `flow.Flow` (first base): every node's task URLs are guarded before the flow collects them."""

    def _get_urls(self) -> list:
        for node in self.nodes():
            if node._urls_cache is None:
                node._urls_cache = _guard_patterns(node._get_urls(), node)
        return super()._get_urls()
