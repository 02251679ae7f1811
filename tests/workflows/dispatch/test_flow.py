"""The dispatch flow driven through its real URLs: draft, review and approve, the return-and-revise loop."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse
from viewflow.workflow import STATUS

from core.audit import trail_for, verify_chain
from workflows.dispatch.models import DispatchComment, DispatchProcess, DispatchRecipient, DispatchRevision, Stage

from .conftest import draft_payload, execute_url, open_task

pytestmark = pytest.mark.django_db(transaction=False)


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_author_drafts_saves_previews_and_submits(driver, people):
    process = driver.start()
    assert process.stage == Stage.DRAFTING
    assert process.author == people.author
    draft = open_task(process, "draft")
    assert draft.owner == people.author and draft.status == STATUS.ASSIGNED
    kinds = sorted(process.recipients.values_list("kind", flat=True))
    assert kinds == sorted(["unit", "carrier", "agency", "text"])

    # save: the task stays open, the text changes
    response = driver.do(
        people.author, process, "draft", {**draft_payload(people, body="Nội dung sửa lần 1./."), "action": "save"}
    )
    assert response.status_code == 302
    assert process.body == "Nội dung sửa lần 1./."
    assert open_task(process, "draft").pk == draft.pk

    # come back: the form shows the saved text
    page = driver.client.get(execute_url(draft))
    assert page.status_code == 200
    assert "Nội dung sửa lần 1./." in page.content.decode()

    # preview: a real DỰ THẢO PDF is rendered and kept as a revision
    driver.do(
        people.author, process, "draft", {**draft_payload(people, body="Nội dung sửa lần 1./."), "action": "preview"}
    )
    revision = process.latest_revision(DispatchRevision.Kind.DRAFT)
    assert revision is not None
    text = pdf_text(revision.pdf.read())
    assert "DỰ THẢO" in text
    assert "Nội dung sửa lần 1" in text

    # submit: review task opens for heads of unit
    driver.submit(process, body="Nội dung sửa lần 1./.")
    assert process.stage == Stage.REVIEWING
    assert open_task(process, "draft") is None
    assert open_task(process, "review").owner is None
    assert process.versions.count() == 1


def test_return_and_revise_keeps_versions_and_comments(driver, people):
    process = driver.start()
    driver.submit(process)
    driver.decide(people.head, process, "review", "return", "Bổ sung thời hạn báo cáo.")
    assert process.stage == Stage.RETURNED
    assert process.version == 2
    draft = open_task(process, "draft")
    assert draft.owner == people.author

    # the author sees the comment on the draft page
    driver.as_(people.author)
    page = driver.client.get(execute_url(draft)).content.decode()
    assert "Bổ sung thời hạn báo cáo." in page

    driver.submit(process, body="Nội dung đã bổ sung thời hạn: trước ngày 31/01/2026./.")
    driver.decide(people.head, process, "review", "approve", "Đồng ý.")
    driver.decide(people.leader, process, "approve", "return", "Sửa trích yếu cho gọn.")
    assert process.stage == Stage.RETURNED and process.version == 3
    driver.submit(process, subject="V/v phòng, chống hàng cấm qua bưu chính")
    driver.decide(people.head, process, "review")
    driver.decide(people.leader, process, "approve")
    assert process.stage == Stage.NUMBERING
    assert open_task(process, "number") is not None

    assert list(process.versions.values_list("number", flat=True)) == [1, 2, 3]
    assert list(process.comments.values_list("step", "decision", "version")) == [
        ("review", "return", 1),
        ("review", "approve", 2),
        ("approve", "return", 2),
        ("review", "approve", 3),
        ("approve", "approve", 3),
    ]
    # each submitted version keeps its own draft PDF
    assert all(v.draft_id for v in process.versions.all())
    codes = list(trail_for(process).values_list("code", flat=True))
    assert codes.count("workflows.dispatch.submitted") == 3
    assert "workflows.dispatch.review_returned" in codes and "workflows.dispatch.approve_returned" in codes
    assert verify_chain().ok


def test_returning_needs_a_comment(driver, people):
    process = driver.start()
    driver.submit(process)
    response = driver.decide(people.head, process, "review", "return", "")
    assert response.status_code == 200
    assert "hãy ghi rõ ý kiến" in response.content.decode()
    assert process.stage == Stage.REVIEWING
    assert not DispatchComment.objects.filter(process=process).exists()


def test_author_cannot_approve_own_draft(driver, people, make_user):
    from core.roles import Role

    # a head of unit drafts: they may not review it themselves, another head may
    process = driver.start(author=people.head)
    driver.submit(process, user=people.head)
    task = open_task(process, "review")
    driver.as_(people.head)
    assert driver.client.post(reverse("dispatch:take", args=[task.pk])).status_code == 403
    assert driver.client.post(execute_url(task), {"decision": "approve"}).status_code == 403
    assert all(
        row.task.pk != task.pk
        for row in __import__("workflows.dispatch.selectors", fromlist=["x"]).tasks_for(people.head)
    )
    other_head = make_user(Role.HEAD_OF_UNIT, username="truongphong2")
    assert driver.decide(other_head, process, "review").status_code == 302
    assert process.stage == Stage.APPROVING


def test_signer_cannot_be_the_author(client, people, make_user, roles):
    from core.roles import Role
    from workflows.dispatch.flows import DispatchFlow

    # a head of unit who also sits in the leadership cannot draft a dispatch and sign it himself
    both = make_user(Role.HEAD_OF_UNIT, username="kiemnhiem")
    both.groups.add(roles[Role.LEADERSHIP])
    client.force_login(both)
    response = client.post(DispatchFlow.start.reverse("execute"), draft_payload(people, signer=str(both.pk)))
    assert response.status_code == 200
    assert "không thể đồng thời là người ký duyệt" in response.content.decode()
    assert not DispatchProcess.objects.exists()


def test_double_submit_takes_effect_once(driver, people):
    process = driver.start()
    driver.submit(process)
    driver.as_(people.head)
    task = open_task(process, "review")
    driver.client.post(reverse("dispatch:take", args=[task.pk]))
    first = driver.client.post(execute_url(task), {"decision": "approve", "comment": "ok"})
    second = driver.client.post(execute_url(task), {"decision": "approve", "comment": "ok"})
    assert first.status_code == 302 and second.status_code == 302
    assert second["Location"] == reverse("dispatch:detail", args=[process.pk])
    assert DispatchComment.objects.filter(process=process).count() == 1
    assert process.task_set.filter(flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]).count() == 1


def test_recipients_are_stored_per_kind(driver, people):
    process = driver.start()
    agency = process.recipients.get(kind=DispatchRecipient.Kind.AGENCY)
    assert (agency.name, agency.organ_id, agency.email) == (
        "Công an tỉnh Lạng Sơn",
        "000.00.20.H41",
        "congan@example.vn",
    )
    assert process.recipients.get(kind=DispatchRecipient.Kind.CARRIER).carrier == people.carrier
    assert process.recipients.get(kind=DispatchRecipient.Kind.UNIT).unit_abbreviation == "BCVT"
