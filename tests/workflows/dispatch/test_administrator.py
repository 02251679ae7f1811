"""Hole 7 (issue 11): Quản trị cannot undo a seal or cancel a process; only the break-glass superuser can."""

from __future__ import annotations

from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from workflows.dispatch.flows import DispatchFlow
from workflows.dispatch.models import DispatchRevision

from .conftest import _today


def _done(process, node: str) -> Task:
    return Task.objects.get(process=process, flow_task=getattr(DispatchFlow, node), status=STATUS.DONE)


def test_the_administrator_cannot_undo_a_seal_nor_cancel_a_process(driver, people, keys, client, django_user_model):
    sealed = driver.to_numbering()
    driver.do(people.clerk, sealed, "number", {"issued_date": _today()})
    driver.sign(sealed, people.leader)
    driver.do(people.clerk, sealed, "seal")
    pending = driver.to_numbering()
    seal_task = _done(sealed, "seal")
    undo = DispatchFlow.seal.reverse("undo", args=[sealed.pk, seal_task.pk])
    cancel = DispatchFlow.instance.reverse("process_cancel", args=[pending.pk])

    people.admin.is_staff = True
    people.admin.save()
    client.force_login(people.admin)
    for url in (undo, cancel):  # refused, or sent to Việc của tôi without reaching viewflow (core.middleware)
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code == 403 or response["Location"] == "/viec-cua-toi/", url
    seal_task.refresh_from_db()
    pending.refresh_from_db()
    assert seal_task.status == STATUS.DONE
    assert sealed.revisions.filter(kind=DispatchRevision.Kind.SEALED).count() == 1
    assert pending.status != STATUS.CANCELED

    # the break-glass superuser is the one who can (the pages open for it)
    breakglass = django_user_model.objects.create_superuser("khancap", "khancap@example.vn", "mat-khau-khan-cap-9")
    client.force_login(breakglass)
    assert client.get(cancel).status_code == 200
