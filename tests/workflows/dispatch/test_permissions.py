"""Nobody performs a step that is not theirs: every step × every role, through the real URLs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workflows.dispatch.flows import DispatchFlow

from .conftest import _today, draft_payload, execute_url, open_task

# who performs each step (attribute of the `people` fixture)
PERFORMER = {
    "draft": "author",
    "review": "head",
    "approve": "leader",
    "number": "clerk",
    "sign": "leader",
    "seal": "clerk",
    "send": "clerk",
}
EVERYONE = ["author", "staff2", "head", "leader", "deputy", "clerk", "clerk2", "carrier_user", "admin"]
QUEUED = {"review", "number", "seal", "send"}


def _payload(step: str, people) -> dict:
    if step == "draft":
        return {**draft_payload(people), "action": "submit"}
    if step in ("review", "approve"):
        return {"decision": "approve", "comment": "ok"}
    if step == "number":
        return {"issued_date": _today()}
    if step == "sign":
        from django.conf import settings

        return {"method": "protected:user-giamdoc", "pin": settings.SIGNING_DEV_SIGNING_PIN}
    return {}


SAME_ROLE = {"clerk": {"clerk2"}, "leader": {"deputy"}, "head": set(), "author": set()}


def _forbidden_for_others(client, people, process, step: str) -> None:
    task = open_task(process, step)
    performer = PERFORMER[step]
    others = [name for name in EVERYONE if name != performer]
    if step in QUEUED:
        # a queued task: nobody outside the role may take it (ours and viewflow's assign URL)
        for name in others:
            if name in SAME_ROLE[performer]:
                continue
            client.force_login(getattr(people, name))
            assert client.post(reverse("dispatch:take", args=[task.pk])).status_code == 403, (step, name)
            # viewflow's own assign URL never reaches viewflow (core.middleware: its pages other than the forms
            # send a signed-in user to the work list)
            assert _refused(client.post(task.flow_task.reverse("assign", args=[process.pk, task.pk]))), (step, name)
            task.refresh_from_db()
            assert task.owner_id is None, (step, name)
        client.force_login(getattr(people, performer))
        assert client.post(reverse("dispatch:take", args=[task.pk])).status_code == 302
    # once it has its performer, nobody else may open or perform it, not even a colleague of the same role
    for name in others:
        client.force_login(getattr(people, name))
        assert client.post(execute_url(task), _payload(step, people)).status_code == 403, (step, name)
        assert client.get(execute_url(task)).status_code == 403, (step, name)
    task.refresh_from_db()
    assert task.owner == getattr(people, performer)
    assert task.status == "ASSIGNED"


def test_every_step_is_forbidden_to_every_other_role(driver, people, keys, client):
    process = driver.start()
    for step in ("draft", "review", "approve", "number", "sign", "seal", "send"):
        _forbidden_for_others(client, people, process, step)
        performer = getattr(people, PERFORMER[step])
        response = driver.do(performer, process, step, _payload(step, people))
        assert response.status_code == 302, (step, response.content.decode()[:500])
    assert process.stage == "sent"


def test_a_taken_task_is_not_for_a_colleague(driver, people, client):
    process = driver.to_numbering()
    task = open_task(process, "number")
    client.force_login(people.clerk)
    client.post(reverse("dispatch:take", args=[task.pk]))
    client.force_login(people.clerk2)
    assert client.post(execute_url(task), {"issued_date": _today()}).status_code == 403
    assert _refused(client.post(task.flow_task.reverse("assign", args=[process.pk, task.pk])))
    task.refresh_from_db()
    assert task.owner_id != people.clerk2.pk


def _refused(response) -> bool:
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/viec-cua-toi/")


def test_only_drafting_roles_may_start(client, people):
    url = DispatchFlow.start.reverse("execute")
    for name in ("leader", "clerk", "carrier_user", "admin"):
        client.force_login(getattr(people, name))
        assert client.get(url).status_code == 403, name
        assert client.post(url, draft_payload(people)).status_code == 403, name
    client.force_login(people.author)
    assert client.get(url).status_code == 200


def test_anonymous_is_sent_to_login(client, driver, people):
    process = driver.start()
    client.logout()
    response = client.get(execute_url(open_task(process, "draft")))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("dispatch:detail", args=[process.pk])).status_code == 302


def test_carriers_never_hold_the_view_permission(people, roles):
    assert not people.carrier_user.has_perm("dispatch.view_dispatchprocess")
    for name in ("author", "head", "leader", "clerk"):
        assert getattr(people, name).has_perm("dispatch.view_dispatchprocess"), name


def test_staff_pages_are_closed_to_carriers(driver, people, client):
    process = driver.start()
    client.force_login(people.carrier_user)
    assert client.get(reverse("dispatch:detail", args=[process.pk])).status_code == 403
    assert client.get(reverse("dispatch:tasks")).status_code == 200
    assert process.subject not in client.get(reverse("dispatch:tasks")).content.decode()


@pytest.mark.parametrize("step", ["review"])
def test_queue_lists_only_what_the_user_may_take(driver, people, step):
    from workflows.dispatch.selectors import tasks_for

    process = driver.start()
    driver.submit(process)
    assert [r.process.pk for r in tasks_for(people.head)] == [process.pk]
    for name in ("staff2", "leader", "clerk", "carrier_user", "admin", "author"):
        assert tasks_for(getattr(people, name)) == [], name


def test_viewflow_pages_of_the_flow_render_for_staff(driver, people, client):
    process = driver.start()
    driver.submit(process)
    task = open_task(process, "review")
    flow = DispatchFlow.instance
    urls = [
        "/workflow/",
        flow.reverse("index"),
        flow.reverse("process_detail", args=[process.pk]),
        task.flow_task.reverse("detail", args=[process.pk, task.pk]),
        reverse("dispatch:tasks"),
        reverse("dispatch:detail", args=[process.pk]),
    ]
    client.force_login(people.head)
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
