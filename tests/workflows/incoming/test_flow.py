"""The handling of an incoming document through viewflow, driven with the Django client as each role would:
register → direct (leadership) → assign (head of the unit in charge) → handle and close (the handler); opinions of
the handler and the cooperating units; every step refused to every other role; a second submit changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from core.models import DraftingUnit, OrganisationSettings
from core.roles import Role
from tests.factories import IncomingDocumentFactory, StaffProfileFactory
from workflows.incoming.flows import IncomingFlow
from workflows.incoming.models import IncomingDocument, Opinion, Status
from workflows.incoming.status import parse_status
from workflows.workspace.selectors import work_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(db):
    org = OrganisationSettings.load()
    for name, abbreviation in (("Thanh tra Sở", "TTr"), ("Phòng Bưu chính, Viễn thông", "BCVT"), ("Văn phòng", "VP")):
        DraftingUnit.objects.get_or_create(organisation=org, abbreviation=abbreviation, defaults={"name": name})


@pytest.fixture
def people(units, make_user):
    def member(role, username, unit, title="Chuyên viên"):
        user = make_user(role, username=username)
        StaffProfileFactory(user=user, unit_abbreviation=unit, title=title)
        return user

    return {
        "clerk": member(Role.CLERK, "vanthu", "VP", "Văn thư"),
        "director": member(Role.LEADERSHIP, "giamdoc", "BGĐ", "GIÁM ĐỐC"),
        "head": member(Role.HEAD_OF_UNIT, "chanhthanhtra", "TTr", "Chánh Thanh tra"),
        "inspector": member(Role.STAFF, "thanhtravien", "TTr", "Thanh tra viên"),
        "colleague": member(Role.STAFF, "thanhtravien2", "TTr", "Thanh tra viên"),
        "other_head": member(Role.HEAD_OF_UNIT, "truongphongbcvt", "BCVT", "Trưởng phòng"),
        "cooperator": member(Role.STAFF, "chuyenvienbcvt", "BCVT"),
        "carrier": make_user(Role.CARRIER, username="buudien"),
        "admin": make_user(Role.ADMINISTRATOR, username="quantri"),
    }


def _start(**fields) -> IncomingDocument:
    document = IncomingDocumentFactory(**fields)
    IncomingFlow.start.run(document=document)
    document.refresh_from_db()
    return document


def _task(document, name) -> Task:
    return Task.objects.get(process__incomingprocess__document=document, flow_task=getattr(IncomingFlow, name))


def _open(client, user, task) -> str:
    """What a person does from Việc của tôi: open the task (taking it), and land on its form."""
    client.force_login(user)
    response = client.post(reverse("incoming:take", args=[task.pk]))
    assert response.status_code == 302, response.status_code
    return response["Location"]


def _direct(client, people, document, **overrides):
    url = _open(client, people["director"], _task(document, "direct"))
    data = {
        "lead_unit": "TTr",
        "cooperating_units": ["BCVT"],
        "deadline": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "note": "",
    } | overrides
    return url, client.post(url, data)


def _assign(client, people, document, **overrides):
    url = _open(client, people["head"], _task(document, "assign"))
    data = {
        "handler": people["inspector"].pk,
        "deadline": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        "note": "Đề xuất văn bản trả lời, trình trước hạn.",
    } | overrides
    return url, client.post(url, data)


def test_a_document_goes_from_the_clerk_to_the_leader_the_unit_and_the_handler(client, people):
    document = _start(subject="Về việc ngăn chặn hàng lậu, hàng cấm qua đường bưu chính")
    assert document.status == Status.PRESENTED
    # presented the same day: in the leadership's list, not in the inspector's
    assert [i.title for i in work_for(people["director"])] == [document.subject]
    assert work_for(people["inspector"]) == []

    url, response = _direct(client, people, document)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    document.refresh_from_db()
    assert document.status == Status.DIRECTED
    assert document.routed_to == "Thanh tra Sở" and document.routed_on == timezone.localdate()
    assert document.deadline == timezone.localdate() + dt.timedelta(days=7)
    direction = document.opinions.get()
    assert direction.level == Opinion.Level.LEADERSHIP
    assert direction.text == "Giao Thanh tra Sở chủ trì, Phòng Bưu chính, Viễn thông phối hợp."
    # the head of the unit in charge sees it now; the head of the cooperating unit does not
    assert [i.step for i in work_for(people["head"])] == ["Trưởng đơn vị phân công giải quyết"]
    assert work_for(people["other_head"]) == []

    _url, response = _assign(client, people, document)
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Status.ASSIGNED and document.received_by == people["inspector"].get_full_name()
    handle = _task(document, "handle")
    assert handle.owner == people["inspector"] and handle.status == STATUS.ASSIGNED
    assert [i.assigned_to_me for i in work_for(people["inspector"])] == [True]

    # the cooperating unit's opinion, then the handler's proposal (in progress), then closing
    client.force_login(people["cooperator"])
    opinion_url = reverse("incoming:opinion", args=[document.pk])
    assert client.post(opinion_url, {"text": "Phòng BCVT cung cấp danh sách điểm phục vụ."}).status_code == 302
    client.force_login(people["inspector"])
    client.post(opinion_url, {"text": "Đề xuất ban hành công văn hướng dẫn các doanh nghiệp."})
    document.refresh_from_db()
    assert document.status == Status.IN_PROGRESS
    execute = IncomingFlow.handle.reverse("execute", args=[handle.process_id, handle.pk])
    page = client.get(execute)
    assert page.status_code == 200 and "Kết thúc giải quyết" in page.content.decode()
    assert client.post(execute, {"resolution": "Đã ban hành công văn hướng dẫn."}).status_code == 302
    document.refresh_from_db()
    assert document.status == Status.DONE
    assert document.process.finished is not None
    assert [o.level for o in document.opinions.all()] == [
        Opinion.Level.LEADERSHIP,
        Opinion.Level.UNIT,
        Opinion.Level.COOPERATING,
        Opinion.Level.HANDLER,
        Opinion.Level.HANDLER,
    ]
    assert work_for(people["inspector"]) == []

    slip = client.get(reverse("incoming:slip", args=[document.pk])).content.decode()
    assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in slip
    for text in ("Giao Thanh tra Sở chủ trì", "Đề xuất văn bản trả lời", "Đã ban hành công văn hướng dẫn."):
        assert text in slip


def test_every_step_is_refused_to_every_other_role(client, people):
    document = _start()
    outsiders = {
        "direct": ["clerk", "head", "inspector", "other_head", "cooperator", "carrier", "admin"],
        "assign": ["clerk", "director", "inspector", "other_head", "cooperator", "carrier", "admin"],
        "handle": ["clerk", "director", "head", "colleague", "other_head", "cooperator", "carrier", "admin"],
    }
    for step, performer in (("direct", None), ("assign", "director"), ("handle", "head")):
        if performer == "director":
            assert _direct(client, people, document)[1].status_code == 302
        elif performer == "head":
            assert _assign(client, people, document)[1].status_code == 302
        task = _task(document, step)
        execute = getattr(IncomingFlow, step).reverse("execute", args=[task.process_id, task.pk])
        for name in outsiders[step]:
            client.force_login(people[name])
            taken = client.post(reverse("incoming:take", args=[task.pk]))
            # refused, or (a task someone already holds) back to the work list with a note: never its form
            assert taken.status_code == 403 or taken["Location"] == reverse("workspace:mine"), (step, name)
            assert client.get(execute).status_code in (302, 403), (step, name)
            assert client.post(execute, {"resolution": "x", "lead_unit": "TTr"}).status_code in (302, 403)
            task.refresh_from_db()
            assert task.status in (STATUS.NEW, STATUS.ASSIGNED) and task.owner_id != people[name].pk, (step, name)
    document.refresh_from_db()
    assert document.status == Status.ASSIGNED and document.opinions.count() == 2


def test_a_second_submit_of_a_step_changes_nothing(client, people):
    document = _start()
    url, first = _direct(client, people, document)
    assert first.status_code == 302
    again = client.post(url, {"lead_unit": "BCVT", "deadline": timezone.localdate().isoformat()})
    assert again.status_code == 302 and again["Location"] == reverse("incoming:detail", args=[document.pk])
    document.refresh_from_db()
    assert document.routed_to == "Thanh tra Sở" and document.opinions.count() == 1
    assert Task.objects.filter(process__incomingprocess__document=document, flow_task=IncomingFlow.assign).count() == 1


def test_bad_direction_and_assignment_are_vietnamese_messages_and_change_nothing(client, people):
    document = _start()
    url, response = _direct(client, people, document, lead_unit="", deadline="2000-01-01")
    assert response.status_code == 200
    document.refresh_from_db()
    assert document.status == Status.PRESENTED and not document.opinions.exists()
    response = client.post(
        url, {"lead_unit": "TTr", "deadline": (timezone.localdate() - dt.timedelta(days=400)).isoformat()}
    )
    assert "Hạn giải quyết không thể trước ngày đến" in response.content.decode()
    assert _direct(client, people, document)[1].status_code == 302

    # a handler from another unit, a deadline after the leadership's
    url, response = _assign(client, people, document, handler=people["cooperator"].pk)
    assert response.status_code == 200
    assert "lựa chọn hợp lệ" in str(response.context["form"].errors["handler"])
    document.refresh_from_db()
    late = (document.deadline + dt.timedelta(days=30)).isoformat()
    response = client.post(url, {"handler": people["inspector"].pk, "deadline": late})
    assert "không thể sau hạn lãnh đạo đã giao" in response.content.decode()
    document.refresh_from_db()
    assert document.status == Status.DIRECTED and document.opinions.count() == 1


def test_the_handler_cannot_close_without_a_result_or_a_reply(client, people):
    document = _start()
    _direct(client, people, document)
    _assign(client, people, document)
    handle = _task(document, "handle")
    client.force_login(people["inspector"])
    execute = IncomingFlow.handle.reverse("execute", args=[handle.process_id, handle.pk])
    response = client.post(execute, {"resolution": "  "})
    assert response.status_code == 200 and "Hãy ghi kết quả giải quyết" in response.content.decode()
    handle.refresh_from_db()
    assert handle.status == STATUS.ASSIGNED


def test_only_the_handler_and_the_cooperating_units_give_opinions_and_see_the_document(client, people):
    document = _start()
    opinion_url = reverse("incoming:opinion", args=[document.pk])
    detail_url = reverse("incoming:detail", args=[document.pk])
    client.force_login(people["inspector"])
    assert client.get(detail_url).status_code == 403  # not yet given to the unit
    _direct(client, people, document)
    _assign(client, people, document)
    for name, allowed in (("inspector", True), ("cooperator", True), ("colleague", False), ("carrier", False)):
        client.force_login(people[name])
        before = document.opinions.count()
        client.post(opinion_url, {"text": f"Ý kiến của {name}"})
        assert document.opinions.count() == before + (1 if allowed else 0), name
    client.force_login(people["colleague"])  # same unit as the one in charge: reads it, writes nothing
    assert client.get(detail_url).status_code == 200
    client.force_login(people["carrier"])
    assert client.get(detail_url).status_code == 403
    assert client.get(reverse("incoming:list")).status_code == 403
    client.force_login(people["cooperator"])
    rows = client.get(reverse("incoming:list")).context["rows"]
    assert [d for d, _overdue in rows] == [document]


def test_the_clerk_routes_directly_only_where_the_agency_allows_it(client, people, settings):
    document = _start()
    task = _task(document, "direct")
    client.force_login(people["clerk"])
    assert client.post(reverse("incoming:take", args=[task.pk])).status_code == 403
    settings.VANTHU_INCOMING_CLERK_DIRECTS = True
    url = _open(client, people["clerk"], task)
    response = client.post(url, {"lead_unit": "TTr", "deadline": timezone.localdate().isoformat()})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Status.DIRECTED and document.opinions.get().author == people["clerk"]


def test_registering_on_the_page_starts_the_handling(client, people):
    from tests.workflows.incoming.test_pages import REGISTER, _form

    client.force_login(people["clerk"])
    assert client.post(REGISTER, _form(client)).status_code == 302
    document = IncomingDocument.objects.get()
    assert document.status == Status.PRESENTED
    assert _task(document, "direct").status == STATUS.NEW


def test_a_reply_is_started_from_the_document_by_its_handler_only(client, people):
    document = _start(issuer_name="Bộ Khoa học và Công nghệ", code="28/CT-BKHCN")
    _direct(client, people, document)
    _assign(client, people, document)
    start = reverse("workflow:flows:dispatch:start:execute")
    client.force_login(people["colleague"])
    assert client.get(start, {"tra-loi": document.pk}).context["answered"] is None
    client.force_login(people["inspector"])
    page = client.get(start, {"tra-loi": document.pk})
    assert page.context["answered"] == document
    form = page.context["form"]
    assert form.initial["subject"].startswith("V/v trả lời") and "28/CT-BKHCN" in form.initial["subject"]
    assert form.initial["addressees"] == "Bộ Khoa học và Công nghệ"


def test_the_sender_of_an_electronic_document_is_told_each_stage_and_the_registers_follow(client, people):
    from openpyxl import load_workbook

    from workflows.incoming.exports import TRACKING_COLUMNS

    document = _start(
        channel="edxml",
        issuer_name="Bộ Khoa học và Công nghệ",
        issuer_organ_id="000.00.00.G22",
        code="28/CT-BKHCN",
        sender_document_id="000.00.00.G22,2026/11/20,28/CT-BKHCN",
    )
    _direct(client, people, document)
    _assign(client, people, document)
    client.force_login(people["inspector"])
    client.post(reverse("incoming:opinion", args=[document.pk]), {"text": "Đề xuất trả lời bằng công văn."})
    handle = _task(document, "handle")
    execute = IncomingFlow.handle.reverse("execute", args=[handle.process_id, handle.pk])
    assert client.post(execute, {"resolution": "Đã trả lời."}).status_code == 302
    sent = list(document.status_messages.order_by("pk"))
    assert [m.code for m in sent] == ["04", "05", "06"]
    assert all(m.to_organ_id == "000.00.00.G22" and m.about_document_id == document.sender_document_id for m in sent)
    read_back = [parse_status(m.package.encode()) for m in sent]
    assert [p.status for p in read_back] == ["04", "05", "06"]
    assert {p.response_for.document_id for p in read_back} == {document.sender_document_id}
    assert read_back[0].description.startswith("Giao Thanh tra Sở chủ trì")

    client.force_login(people["head"])
    book = client.get(reverse("incoming:tracking_book"), {"export": "xlsx"})
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    headings = next(r for r in values if r and r[0] == "Số đến")
    assert list(headings[: len(TRACKING_COLUMNS)]) == [c[0] for c in TRACKING_COLUMNS]
    line = next(r for r in values if r and r[0] == document.display_number)
    assert "28/CT-BKHCN" in line[1] and "Bộ Khoa học và Công nghệ" in line[1]
    assert "Thanh tra Sở" in line[2] and people["inspector"].get_full_name() in line[2]
    document.refresh_from_db()
    assert line[3] == document.deadline.strftime("%d/%m/%Y")
    assert line[4] == "Đã giải quyết: Đã trả lời."
    page = client.get(reverse("incoming:tracking_book")).content.decode()
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in page and "Đã giải quyết: Đã trả lời." in page


def test_overdue_documents_are_chased_once_per_step_the_most_urgent_first(client, people, mailoutbox):
    from workflows.incoming.services.reminders import remind_overdue

    today = timezone.localdate()
    ordinary = _start(subject="Về việc báo cáo quý", received_at=timezone.now() - dt.timedelta(days=20))
    urgent = _start(
        subject="Về việc phòng chống bão",
        urgency="hoa-toc",
        urgency_rank=3,
        received_at=timezone.now() - dt.timedelta(days=20),
    )
    on_time = _start(subject="Về việc chưa đến hạn")
    for document, deadline in ((ordinary, today - dt.timedelta(days=2)), (urgent, today - dt.timedelta(days=1))):
        IncomingDocument.objects.filter(pk=document.pk).update(deadline=deadline)
    IncomingDocument.objects.filter(pk=on_time.pk).update(deadline=today)

    assert remind_overdue() == 2
    assert [m.subject for m in mailoutbox] == [
        "[vanthu] [Hỏa tốc] Văn bản đến quá hạn: Về việc phòng chống bão",
        "[vanthu] Văn bản đến quá hạn: Về việc báo cáo quý",
    ]
    assert mailoutbox[0].to == [people["director"].email]  # the direction waits in the leadership's queue
    assert remind_overdue() == 0  # once per step

    # the handling is chased by the handler's own deadline, and only the handler is told
    _direct(client, people, ordinary, deadline=today.isoformat())
    _assign(client, people, ordinary, deadline=today.isoformat())
    sent_before = len(mailoutbox)
    assert remind_overdue(today=today + dt.timedelta(days=1)) == 2  # the handling, and the one now due
    to_handler = [m for m in mailoutbox[sent_before:] if m.to == [people["inspector"].email]]
    assert len(to_handler) == 1 and "quá hạn giải quyết văn bản đến" in to_handler[0].body
    assert "Về việc báo cáo quý" in to_handler[0].body


def test_the_handler_asks_for_more_time_and_the_head_or_the_leadership_decides(client, people):
    document = _start()
    _direct(client, people, document)
    _assign(client, people, document)
    process = document.process
    process.refresh_from_db()
    document.refresh_from_db()
    ask, decide = (
        reverse("incoming:extension", args=[document.pk]),
        reverse("incoming:extension_decision", args=[document.pk]),
    )
    within = process.handler_deadline + dt.timedelta(days=1)  # still before the leadership's deadline
    beyond = document.deadline + dt.timedelta(days=10)

    client.force_login(people["colleague"])  # not the handler
    client.post(ask, {"until": within.isoformat(), "reason": "Cần thêm số liệu."})
    process.refresh_from_db()
    assert process.extension_until is None

    client.force_login(people["inspector"])
    client.post(ask, {"until": process.handler_deadline.isoformat(), "reason": "Không muộn hơn."})  # not later
    process.refresh_from_db()
    assert process.extension_until is None
    client.post(ask, {"until": beyond.isoformat(), "reason": "Chờ số liệu của các doanh nghiệp."})
    process.refresh_from_db()
    assert process.extension_until == beyond
    # the head sees it in Việc của tôi; the head of another unit does not
    assert any("Xem xét đề nghị gia hạn" in i.step for i in work_for(people["head"]))
    assert not any("gia hạn" in i.step for i in work_for(people["other_head"]))

    client.force_login(people["head"])  # beyond the leadership's deadline: not the head's to grant
    page = client.post(decide, {"decision": "approve"}, follow=True).content.decode()
    assert "cần lãnh đạo cơ quan đồng ý" in page
    process.refresh_from_db()
    assert process.extension_until == beyond
    client.force_login(people["other_head"])
    client.post(decide, {"decision": "approve"})
    process.refresh_from_db()
    assert process.extension_until == beyond

    client.force_login(people["director"])
    assert client.post(decide, {"decision": "approve", "note": "Báo cáo đúng hạn mới."}).status_code == 302
    process.refresh_from_db()
    document.refresh_from_db()
    assert process.extension_until is None and process.handler_deadline == beyond and document.deadline == beyond
    last = document.opinions.last()
    assert last.level == Opinion.Level.LEADERSHIP
    assert last.text == f"Đồng ý gia hạn đến {beyond:%d/%m/%Y}. Báo cáo đúng hạn mới."

    # a refusal keeps the deadline
    client.force_login(people["inspector"])
    client.post(ask, {"until": (beyond + dt.timedelta(days=3)).isoformat(), "reason": "Thêm ít ngày."})
    client.force_login(people["head"])
    client.post(decide, {"decision": "refuse"})
    process.refresh_from_db()
    assert process.extension_until is None and process.handler_deadline == beyond
    assert document.opinions.last().text == "Không đồng ý gia hạn."
