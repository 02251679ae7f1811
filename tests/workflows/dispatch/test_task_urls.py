"""A task is run, assigned or shown only through its own node's URLs and its own process's (issue 11, hole 1).

As the task's owner, every other node's URLs (execute, assign, unassign, detail, undo, cancel, revive…) named with
that task, and its own node's URLs named with another process, are refused with the 404 page: nothing changes,
nothing is audited, no register number is taken.
"""

from __future__ import annotations

from django.urls import reverse
from viewflow.workflow import STATUS

from core.models import AuditEntry
from templates_docs.models import NumberCounter, RegisterEntry
from tests.workflows.task_urls import probe_mismatches, task_urls
from workflows.dispatch.flows import DispatchFlow

from .conftest import STEPS, open_task
from .test_permissions import PERFORMER, _payload


def _state(process) -> tuple:
    process.refresh_from_db()
    tasks = list(process.task_set.order_by("pk").values_list("pk", "status", "owner_id", "flow_task"))
    return (
        process.stage,
        process.number,
        process.version,
        process.decision,
        tasks,
        AuditEntry.objects.count(),
        RegisterEntry.objects.count(),
        list(NumberCounter.objects.values_list("pk", "last_number")),
    )


def test_every_node_is_probed():
    probed = {node.name for node, _name in task_urls(DispatchFlow)}
    assert {"draft", "review", "approve", "number", "sign", "seal", "send", "start", "end"} <= probed


def test_a_task_answers_only_through_its_own_node_and_process(driver, people, keys, client, make_user):
    process = driver.start()
    other = driver.start()
    for step in STEPS:
        owner = getattr(people, PERFORMER[step])
        client.force_login(owner)
        task = open_task(process, step)
        if task.owner_id is None:
            assert client.post(reverse("dispatch:take", args=[task.pk])).status_code == 302
        before = _state(process)
        assert probe_mismatches(client, flow_class=DispatchFlow, task=task, other_process_pk=other.pk) == [], step
        assert _state(process) == before, step
        response = driver.do(owner, process, step, _payload(step, people))
        assert response.status_code == 302, (step, response.content.decode()[:500])
    assert process.stage == "sent"
    # one finished task of every other node (start, the gates, publishing, the end), as a superuser, whom viewflow
    # lets undo, cancel and revive
    client.force_login(make_user(is_superuser=True, is_staff=True))
    before = _state(process)
    user_steps = {getattr(DispatchFlow, step) for step in STEPS}
    seen = set()
    for task in process.task_set.exclude(status=STATUS.CANCELED).order_by("pk"):
        if task.flow_task in user_steps or task.flow_task in seen:
            continue
        seen.add(task.flow_task)
        assert probe_mismatches(client, flow_class=DispatchFlow, task=task, other_process_pk=other.pk) == []
    assert {node.name for node in seen} >= {"start", "review_passed", "approve_passed", "is_public", "end"}
    assert _state(process) == before
