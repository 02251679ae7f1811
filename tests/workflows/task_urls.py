"""Every task URL of a flow, read from the flow itself, so a node added later is probed too."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver

import config.urls  # noqa: F401  (mounting the site gives viewflow's nodes their URL namespaces)


def _names(patterns) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and "task_pk" in pattern.pattern.converters:
            yield pattern.name


def task_urls(flow_class) -> list[tuple[object, str]]:
    """(node, url name) for every URL of every node that names a process and a task."""
    pairs = []
    for node in flow_class.instance.nodes():
        patterns, _app, _namespace = node.urls
        pairs += [(node, name) for name in _names(patterns)]
    assert pairs, f"{flow_class.__name__} has no task URL: the probe would prove nothing"
    return pairs


def probe_mismatches(client, *, flow_class, task, other_process_pk: int) -> list[str]:
    """GET and POST every task URL that names `task` with another node, or its own node with another process.

    Returns the URLs that were not refused (403 or 404) with the Vietnamese error page, or sent to the work list
    without reaching viewflow (its pages other than the forms, core.middleware).
    """
    leaks = []
    for node, name in task_urls(flow_class):
        if node == task.flow_task:
            urls = [node.reverse(name, args=[other_process_pk, task.pk])]
        else:
            urls = [node.reverse(name, args=[task.process_id, task.pk])]
        for url in urls:
            for method in (client.get, client.post):
                response = method(url)
                if (
                    response.status_code == 302
                    and response["Location"] == "/viec-cua-toi/"
                    and not url.endswith(("/execute/", "/start/"))
                ):
                    continue
                page = response.content.decode()
                if response.status_code not in (403, 404) or f"lỗi {response.status_code}" not in page:
                    leaks.append(f"{method.__name__.upper()} {url} -> {response.status_code}")
    return leaks
