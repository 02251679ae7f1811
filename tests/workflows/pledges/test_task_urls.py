"""The pledge flow's task URLs in viewflow's frontend answer only for a task of their own node and process
(issue 11, hole 1): as the department's staff and as a superuser, every mismatch is the 404 page, nothing changes."""

from __future__ import annotations

from core.models import AuditEntry
from core.roles import Role
from tests.factories import PledgeFactory
from tests.workflows.task_urls import probe_mismatches, task_urls
from workflows.pledges.flows import PledgeFlow


def _workflow_audit() -> int:
    """Audit entries of the flow (logging in, audited as core.auth.*, is not what is probed)."""
    return AuditEntry.objects.exclude(code__startswith="core.").count()


def _started(campaign, carrier):
    pledge = PledgeFactory(campaign=campaign, carrier=carrier)
    PledgeFlow.start.run(pledge=pledge)
    pledge.refresh_from_db()
    return pledge


def test_every_node_is_probed():
    probed = {node.name for node, _name in task_urls(PledgeFlow)}
    assert {"start", "respond", "countersign", "signed", "declined"} <= probed


def test_pledge_tasks_answer_only_through_their_own_node_and_process(client, campaign, carriers, make_user):
    mine, other = _started(campaign, carriers[0]), _started(campaign, carriers[1])
    tasks = list(mine.process.task_set.order_by("pk"))
    assert {t.flow_task.name for t in tasks} == {"start", "respond"}
    before = (list(mine.process.task_set.values_list("pk", "status", "owner_id")), _workflow_audit())
    for user in (make_user(Role.STAFF), make_user(is_superuser=True, is_staff=True)):
        client.force_login(user)
        for task in tasks:
            assert probe_mismatches(client, flow_class=PledgeFlow, task=task, other_process_pk=other.process_id) == []
    assert (list(mine.process.task_set.values_list("pk", "status", "owner_id")), _workflow_audit()) == before
    mine.refresh_from_db()
    assert mine.status == mine.Status.PENDING
