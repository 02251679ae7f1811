"""The review and approval page: the submitted document as page images, what changed since the version returned
(field by field, word by word, labelled), the comment, and approve / return as the two buttons of one form."""

from __future__ import annotations

import re

import pytest

from workflows.dispatch.models import DispatchRevision, Stage
from workflows.dispatch.services.changes import DELETED, EQUAL, INSERTED, compare_contents, text_runs

from .conftest import draft_payload, execute_url, open_task

pytestmark = pytest.mark.django_db


def test_text_runs_keep_every_word_once_in_order():
    runs = text_runs("Báo cáo trước ngày 31/01.", "Báo cáo kết quả trước ngày 15/01.")
    assert runs == (
        (EQUAL, "Báo cáo"),
        (INSERTED, " kết quả"),
        (EQUAL, " trước ngày "),
        (DELETED, "31/01."),
        (INSERTED, "15/01."),
    )
    assert "".join(text for kind, text in runs if kind != INSERTED) == "Báo cáo trước ngày 31/01."
    assert "".join(text for kind, text in runs if kind != DELETED) == "Báo cáo kết quả trước ngày 15/01."


def test_only_the_fields_that_differ_are_listed_by_their_names():
    before = {"doc_type": "cong-van", "subject": "V/v A", "urgency": "", "is_public": False, "recipients": []}
    after = before | {"urgency": "khan", "recipients": [{"kind": "carrier", "name": "Viettel Post Lạng Sơn"}]}
    changes = compare_contents(before=before, after=after)
    assert [(c.label, "".join(t for _k, t in c.runs)) for c in changes] == [
        ("Độ khẩn", "ThườngKhẩn"),
        ("Nơi nhận", "Viettel Post Lạng Sơn (Doanh nghiệp bưu chính)"),
    ]
    assert changes[0].runs == ((DELETED, "Thường"), (INSERTED, "Khẩn"))


@pytest.fixture
def resubmitted(driver, people):
    """Submitted, returned by the head with a comment, revised (body, urgency, one carrier more) and resubmitted."""
    process = driver.start()
    driver.submit(process)
    response = driver.decide(people.head, process, "review", "return", "Ghi rõ thời hạn báo cáo.")
    assert response.status_code == 302 and process.stage == Stage.RETURNED
    revised = draft_payload(
        people,
        body="Thực hiện Chỉ thị số 28/CT-BTTTT, Sở đề nghị các doanh nghiệp:\n"
        "Kiểm tra nội dung bưu gửi khi chấp nhận.\nBáo cáo kết quả trước ngày 15/01/2026./.",
        urgency="",
        carriers=[str(people.carrier.pk), str(people.other_carrier.pk)],
    )
    assert driver.do(people.author, process, "draft", {**revised, "action": "submit"}).status_code == 302
    return process


def test_the_head_sees_what_changed_since_the_version_returned(driver, people, resubmitted):
    process = resubmitted
    driver.as_(people.head).take(process, "review")
    page = driver.client.get(execute_url(open_task(process, "review"))).content.decode()
    section = page.split('data-testid="changes"', 1)[1].split("</section>", 1)[0]
    assert "Những gì đã sửa từ phiên bản 1 bị trả lại" in section
    assert "<q>Ghi rõ thời hạn báo cáo.</q>" in section
    labels = re.findall(r"<dt>([^<]+)</dt>", section)
    assert labels == ["Nội dung", "Độ khẩn", "Nơi nhận"], labels
    body = section.split('data-field="body">', 1)[1].split("</dd>", 1)[0]
    assert '<del><span class="changes__tag">đã xóa</span>31/01/2026./.</del>' in body
    assert '<ins><span class="changes__tag">thêm</span>15/01/2026./.</ins>' in body
    recipients = section.split('data-field="recipients">', 1)[1].split("</dd>", 1)[0]
    assert "<del>" not in recipients
    assert re.findall(r"<ins>(.*?)</ins>", recipients, re.S) == [
        f'<span class="changes__tag">thêm</span>{people.other_carrier.name} (Doanh nghiệp bưu chính) — dn1@example.vn\n'
    ]
    # the document beside it is the version submitted now
    submitted = process.versions.order_by("-number").first()
    assert submitted.number == 2 and submitted.draft.kind == DispatchRevision.Kind.DRAFT
    assert f"/ban/{submitted.draft.pk}/trang-1.png" in page
    assert 'name="decision" value="approve"' in page and 'name="decision" value="return"' in page


def test_the_first_review_has_no_changes_and_a_return_needs_a_comment(driver, people):
    process = driver.start()
    driver.submit(process)
    driver.as_(people.head)
    url = execute_url(open_task(process, "review"))
    driver.take(process, "review")
    page = driver.client.get(url).content.decode()
    assert 'data-testid="changes"' not in page
    response = driver.client.post(url, {"decision": "return", "comment": "  "})
    assert response.status_code == 200 and "hãy ghi rõ ý kiến" in response.content.decode()
    process.refresh_from_db()
    assert process.stage == Stage.REVIEWING
    assert driver.client.post(url, {"decision": "approve", "comment": ""}).status_code == 302
    process.refresh_from_db()
    assert process.stage == Stage.APPROVING


def test_a_paragraph_rewritten_is_shown_whole_and_an_edited_one_word_by_word():
    before = "Thực hiện Chỉ thị số 28/CT-BTTTT:\nKiểm tra bưu gửi.\nBáo cáo trước ngày 31/01./."
    after = "Sở đề nghị các doanh nghiệp thực hiện ngay:\nKiểm tra bưu gửi.\nBáo cáo trước ngày 15/01./."
    assert text_runs(before, after) == (
        (DELETED, "Thực hiện Chỉ thị số 28/CT-BTTTT:\n"),
        (INSERTED, "Sở đề nghị các doanh nghiệp thực hiện ngay:\n"),
        (EQUAL, "Kiểm tra bưu gửi.\nBáo cáo trước ngày "),
        (DELETED, "31/01./."),
        (INSERTED, "15/01./."),
    )
