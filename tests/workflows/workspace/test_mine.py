"""Việc của tôi: each role sees exactly the tasks it may act on, a carrier is refused, opening takes the task."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.workflows.dispatch.conftest import _today, open_task
from workflows.workspace import selectors

MINE = "/viec-cua-toi/"


@pytest.fixture
def one_in_each_step(driver, people):
    """Four real dispatches, waiting at draft, review, approve and number; a fifth at sign."""
    draft = driver.start(subject="V/v dự thảo còn đang soạn")
    review = driver.start(subject="V/v chờ trưởng phòng duyệt")
    driver.submit(review, subject="V/v chờ trưởng phòng duyệt")
    approve = driver.start(subject="V/v chờ lãnh đạo duyệt")
    driver.submit(approve, subject="V/v chờ lãnh đạo duyệt")
    driver.decide(people.head, approve, "review")
    number = driver.to_numbering(subject="V/v chờ văn thư cấp số")
    sign = driver.to_numbering(subject="V/v chờ lãnh đạo ký số")
    assert driver.do(people.clerk, sign, "number", {"issued_date": _today()}).status_code == 302
    return {"draft": draft, "review": review, "approve": approve, "number": number, "sign": sign}


def _seen(user) -> set[tuple[str, str]]:
    return {(item.title, item.step) for item in selectors.work_for(user)}


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get(MINE)
    assert response.status_code == 200
    return response.content.decode()


def test_each_role_sees_exactly_what_it_may_act_on(client, people, one_in_each_step):
    draft = ("V/v dự thảo còn đang soạn", "Soạn thảo / sửa dự thảo")
    review = ("V/v chờ trưởng phòng duyệt", "Trưởng phòng duyệt")
    approve = ("V/v chờ lãnh đạo duyệt", "Lãnh đạo duyệt")
    number = ("V/v chờ văn thư cấp số", "Văn thư cấp số")
    sign = ("V/v chờ lãnh đạo ký số", "Lãnh đạo ký số")
    assert _seen(people.author) == {draft}
    assert _seen(people.staff2) == set()
    assert _seen(people.head) == {review}
    assert _seen(people.leader) == {approve, sign}  # the signer chosen on each draft
    assert _seen(people.deputy) == set()
    assert _seen(people.clerk) == {number}
    assert _seen(people.clerk2) == {number}  # the clerks' queue


@pytest.mark.parametrize("who", ["author", "head", "leader", "clerk", "staff2"])
def test_the_page_lists_the_rows_and_the_nav_counts_them(client, people, one_in_each_step, who):
    user = getattr(people, who)
    body = _page(client, user)
    items = selectors.work_for(user)
    assert re.search(r'data-testid="work-count">(\d+)<', body).group(1) == str(len(items))
    assert body.count('data-testid="work-item"') == len(items)
    for item in items:
        assert item.title in body and item.step in body and item.open_url in body
    if not items:
        assert "Không có việc nào đang chờ bạn." in body


def test_the_nav_links_the_staff_pages(client, people):
    body = _page(client, people.clerk)
    for url in (MINE, "/van-ban-di/", "/cam-ket/quan-ly/", "/xac-thuc/", "/accounts/password_change/"):
        assert f'href="{url}"' in body, url
    assert 'action="/accounts/logout/"' in body
    assert 'aria-current="page"' in body


def test_a_carrier_is_refused(client, people):
    client.force_login(people.carrier_user)
    response = client.get(MINE)
    assert response.status_code == 403
    assert "Inbox" not in response.content.decode()


def test_anonymous_is_sent_to_the_login(client, db):
    response = client.get(MINE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/viec-cua-toi/")


def test_opening_a_queued_task_takes_it_for_the_user(client, people, one_in_each_step):
    task = open_task(one_in_each_step["number"], "number")
    assert task.owner_id is None
    [item] = selectors.work_for(people.clerk)
    assert not item.assigned_to_me
    _page(client, people.clerk)
    response = client.post(item.open_url)
    assert response.status_code == 302
    assert response["Location"] == task.flow_task.reverse("execute", args=[task.process_id, task.pk])
    task.refresh_from_db()
    assert task.owner_id == people.clerk.pk
    assert [i.assigned_to_me for i in selectors.work_for(people.clerk)] == [True]
    assert selectors.work_for(people.clerk2) == []  # taken: no longer in the other clerk's queue
    assert client.get(response["Location"]).status_code == 200


def test_overdue_first_then_the_most_urgent(driver, people):
    normal = driver.start(urgency="", subject="V/v thường, còn hạn")
    express = driver.start(urgency="hoa-toc", subject="V/v hỏa tốc, còn hạn")
    late = driver.start(urgency="", subject="V/v thường, quá hạn")
    for process in (normal, express, late):
        driver.submit(process, urgency=process.urgency, subject=process.subject)
    task = open_task(late, "review")
    task.created = timezone.now() - datetime.timedelta(hours=100)
    task.save(update_fields=["created"])
    items = selectors.work_for(people.head)
    assert [i.title for i in items] == ["V/v thường, quá hạn", "V/v hỏa tốc, còn hạn", "V/v thường, còn hạn"]
    assert [i.overdue for i in items] == [True, False, False]
    body = _page(driver.client, people.head)
    assert "Quá hạn" in body and "HỎA TỐC" in body


def test_a_new_draft_is_one_click_from_my_work_for_those_who_may_start_one(client, people):
    page = _page(client, people.author)
    link = re.search(r'<a class="button" href="([^"]+)" data-testid="start-link">Soạn văn bản mới</a>', page)
    assert link, "the drafter has no 'Soạn văn bản mới' on Việc của tôi"
    assert client.get(link.group(1)).status_code == 200
    people.author.user_permissions.clear()
    for group in people.author.groups.all():
        people.author.groups.remove(group)
    people.author.is_staff = True  # still staff, but without the permission to start a dispatch
    people.author.save()
    assert 'data-testid="start-link"' not in _page(client, people.author)
