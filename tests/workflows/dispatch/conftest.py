"""Fixtures of the dispatch tests: one person per role, and helpers that drive the real task URLs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

import config.urls  # noqa: F401  (mounting the site gives viewflow's nodes their URL namespaces)
from core.roles import Role
from tests.factories import StaffProfileFactory
from workflows.dispatch.flows import DispatchFlow
from workflows.dispatch.models import DispatchProcess

STEPS = ("draft", "review", "approve", "number", "sign", "seal", "send")


def _with_profile(user, *, title: str, unit: str):
    StaffProfileFactory(user=user, title=title, unit_abbreviation=unit)
    return user


@pytest.fixture
def drafting_units(db):
    """Transactional tests start from flushed tables: put back the drafting units the data migration made."""
    from core.models import DraftingUnit, OrganisationSettings

    org = OrganisationSettings.load()
    for order, (name, abbreviation) in enumerate([("Thanh tra Sở", "TTr"), ("Phòng Bưu chính, Viễn thông", "BCVT")]):
        DraftingUnit.objects.get_or_create(
            organisation=org, abbreviation=abbreviation, defaults={"name": name, "sort_order": order}
        )


@pytest.fixture
def people(make_user, lang_son_carriers):
    carrier_user = make_user(Role.CARRIER, username="buudien", email="buudien@example.vn")
    other_carrier_user = make_user(Role.CARRIER, username="viettelpost", email="vtp@example.vn")
    carrier, other, _third = lang_son_carriers
    carrier.users.add(carrier_user)
    other.users.add(other_carrier_user)
    return SimpleNamespace(
        author=_with_profile(make_user(Role.STAFF, username="chuyenvien"), title="Chuyên viên", unit="TTr"),
        head=_with_profile(make_user(Role.HEAD_OF_UNIT, username="truongphong"), title="Chánh Thanh tra", unit="TTr"),
        leader=_with_profile(make_user(Role.LEADERSHIP, username="giamdoc"), title="GIÁM ĐỐC", unit="BGĐ"),
        deputy=_with_profile(make_user(Role.LEADERSHIP, username="phogiamdoc"), title="PHÓ GIÁM ĐỐC", unit="BGĐ"),
        clerk=_with_profile(make_user(Role.CLERK, username="vanthu"), title="Văn thư", unit="VP"),
        clerk2=_with_profile(make_user(Role.CLERK, username="vanthu2"), title="Văn thư", unit="VP"),
        staff2=_with_profile(make_user(Role.STAFF, username="chuyenvien2"), title="Chuyên viên", unit="BCVT"),
        admin=make_user(Role.ADMINISTRATOR, username="quantri"),
        carrier_user=carrier_user,
        other_carrier_user=other_carrier_user,
        carrier=carrier,
        other_carrier=other,
    )


def draft_payload(people, **overrides) -> dict:
    data = {
        "doc_type": "cong-van",
        "subject": "V/v tăng cường phòng, chống hàng cấm qua đường bưu chính",
        "addressees": "Các doanh nghiệp bưu chính trên địa bàn tỉnh",
        "legal_bases": "",
        "body": "Thực hiện Chỉ thị số 28/CT-BTTTT, Sở đề nghị các doanh nghiệp:\n"
        "Kiểm tra nội dung bưu gửi khi chấp nhận.\nBáo cáo kết quả trước ngày 31/01/2026./.",
        "urgency": "khan",
        "signer": str(people.leader.pk),
        "authority_prefix": "",
        "authority_title": "",
        "drafting_unit": "TTr",
        "units": ["BCVT"],
        "carriers": [str(people.carrier.pk)],
        "agencies": "Công an tỉnh Lạng Sơn | 000.00.20.H41 | congan@example.vn",
        "other_recipients": "Lãnh đạo Sở (b/c)",
    }
    data.update(overrides)
    return data


def open_task(process, node: str) -> Task | None:
    return (
        Task.objects.filter(process=process, flow_task=getattr(DispatchFlow, node))
        .exclude(status__in=[STATUS.DONE, STATUS.CANCELED])
        .order_by("-pk")
        .first()
    )


def execute_url(task: Task) -> str:
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


class Driver:
    """Drive the real URLs as a given user."""

    def __init__(self, client, people) -> None:
        self.client = client
        self.people = people

    def as_(self, user):
        self.client.force_login(user)
        return self

    def start(self, author=None, **overrides) -> DispatchProcess:
        self.as_(author or self.people.author)
        response = self.client.post(DispatchFlow.start.reverse("execute"), draft_payload(self.people, **overrides))
        assert response.status_code == 302, response.content.decode()[:2000]
        return DispatchProcess.objects.order_by("-pk").first()

    def take(self, process, node: str):
        task = open_task(process, node)
        return self.client.post(reverse("dispatch:take", args=[task.pk]))

    def do(self, user, process, node: str, data: dict | None = None, *, take: bool = True):
        self.as_(user)
        task = open_task(process, node)
        assert task is not None, f"no open {node} task"
        if take and task.owner_id is None:
            response = self.client.post(reverse("dispatch:take", args=[task.pk]))
            assert response.status_code == 302, response.status_code
        response = self.client.post(execute_url(task), data or {})
        process.refresh_from_db()
        return response

    def submit(self, process, user=None, **overrides):
        return self.do(
            user or self.people.author,
            process,
            "draft",
            {**draft_payload(self.people, **overrides), "action": "submit"},
        )

    def sign(self, process, user=None, *, pin: str | None = None, otp: str = ""):
        """The leader's sign step with their first signing method and (by default) the dev signing PIN."""
        from django.conf import settings

        from workflows.dispatch.services.issuing import signing_methods

        user = user or process.signer
        methods = signing_methods(user)
        data = {
            "method": f"{methods[0].kind}:{methods[0].ref}" if methods else "",
            "pin": settings.SIGNING_DEV_SIGNING_PIN if pin is None else pin,
            "otp": otp,
        }
        return self.do(user, process, "sign", data)

    def decide(self, user, process, node: str, decision: str = "approve", comment: str = ""):
        return self.do(user, process, node, {"decision": decision, "comment": comment})

    def to_numbering(self, **overrides) -> DispatchProcess:
        process = self.start(**overrides)
        assert self.submit(process, **overrides).status_code == 302
        assert self.decide(self.people.head, process, "review").status_code == 302
        assert self.decide(process.signer, process, "approve").status_code == 302
        return process


@pytest.fixture
def driver(client, people):
    return Driver(client, people)


@pytest.fixture
def keys(people, signing_keys):
    """The development signing keys, with user-giamdoc / user-phogiamdoc owned by the leaders above."""
    return signing_keys


@pytest.fixture
def issued(driver, people, keys, django_capture_on_commit_callbacks):
    """A public dispatch driven through every step up to sent (and published)."""
    process = driver.to_numbering(is_public="on")
    assert driver.do(people.clerk, process, "number", {"issued_date": _today()}).status_code == 302
    assert driver.sign(process, people.leader).status_code == 302
    assert driver.do(people.clerk, process, "seal").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert driver.do(people.clerk2, process, "send").status_code == 302
    return process


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()
