"""On PostgreSQL: two clerks numbering at the same moment, and the same step submitted twice at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from templates_docs.models import RegisterEntry
from tests.auth_support import VerifiedClient
from workflows.dispatch.models import DispatchComment

from .conftest import _today, execute_url, open_task

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("drafting_units"),
]


def _in_parallel(*calls):
    """Run the calls in threads released together; each thread uses (and closes) its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def _post_as(user, url, data):
    def call():
        client = VerifiedClient()
        client.force_login(user)
        return client.post(url, data).status_code

    return call


def test_two_clerks_numbering_at_once_never_share_a_number(on_postgres, driver, people, keys):
    first, second = driver.to_numbering(), driver.to_numbering()
    urls = []
    for process, clerk in ((first, people.clerk), (second, people.clerk2)):
        driver.as_(clerk)
        driver.take(process, "number")
        urls.append(execute_url(open_task(process, "number")))
    statuses = _in_parallel(
        _post_as(people.clerk, urls[0], {"issued_date": _today()}),
        _post_as(people.clerk2, urls[1], {"issued_date": _today()}),
    )
    assert statuses == [302, 302]
    first.refresh_from_db()
    second.refresh_from_db()
    assert {first.number, second.number} == {"01/STTTT-TTr", "02/STTTT-TTr"}
    assert sorted(RegisterEntry.objects.values_list("number", flat=True)) == [1, 2]


def test_the_same_step_submitted_twice_at_once_takes_effect_once(on_postgres, driver, people):
    process = driver.start()
    driver.submit(process)
    driver.as_(people.head)
    driver.take(process, "review")
    url = execute_url(open_task(process, "review"))
    data = {"decision": "approve", "comment": "Đồng ý."}
    statuses = _in_parallel(_post_as(people.head, url, data), _post_as(people.head, url, data))
    assert sorted(statuses) in ([302, 302], [302, 403])
    assert DispatchComment.objects.filter(process=process).count() == 1
    assert process.task_set.filter(flow_task_type="HUMAN").exclude(status__in=["DONE", "CANCELED"]).count() == 1
