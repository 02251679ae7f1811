"""register_incoming: the số đến series, the stored file, the duplicate check, refusals, the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from core.models import AuditEntry, StoredFile
from templates_docs.models import NumberCounter
from tests.factories import UserFactory
from tests.signing_support import sample_pdf
from workflows.incoming.errors import IncomingError, PossibleDuplicate
from workflows.incoming.models import INCOMING_SERIES, Channel, IncomingDocument, Status
from workflows.incoming.selectors import find_duplicates, is_overdue, register_entries
from workflows.incoming.services.registration import register_incoming

pytestmark = pytest.mark.django_db


def _register(**overrides):
    values = {
        "channel": Channel.PDF,
        "issuer_name": "Bộ Thông tin và Truyền thông",
        "code": "28/CT-BTTTT",
        "subject": "Về việc tăng cường bảo đảm an toàn thông tin",
        "issued_date": dt.date(2025, 11, 20),
        "received_at": timezone.make_aware(dt.datetime(2025, 11, 25, 9, 30)),
        "file_data": sample_pdf(1, title="Chi thi 28"),
        "filename": "chi-thi-28.pdf",
        "user": None,
    }
    values.update(overrides)
    return register_incoming(**values)


def test_paper_and_electronic_share_one_gap_free_series_per_year():
    clerk = UserFactory()
    first = _register(user=clerk)
    second = _register(channel=Channel.PAPER, code="15/UBND-VP", file_data=None, issuer_name="UBND tỉnh")
    third = _register(code="3/SNV", file_data=sample_pdf(1, title="other"), issuer_name="Sở Nội vụ")
    next_year = _register(
        code="1/SNV",
        received_at=timezone.make_aware(dt.datetime(2026, 1, 2, 8, 0)),
        issued_date=dt.date(2025, 12, 30),
        file_data=sample_pdf(1, title="next year"),
    )
    assert [(d.year, d.number) for d in (first, second, third, next_year)] == [
        (2025, 1),
        (2025, 2),
        (2025, 3),
        (2026, 1),
    ]
    assert first.display_number == "01"
    assert first.status == Status.PRESENTED  # registered, and presented to the leadership at once (test_flow)
    assert first.process.task_set.filter(flow_task_type="HUMAN").get().flow_task.name == "direct"
    assert first.registered_by == clerk
    assert NumberCounter.objects.get(series=INCOMING_SERIES, year=2025).last_number == 3
    assert list(register_entries(year=2025)) == [first, second, third]


def test_the_file_is_stored_by_its_sha256_and_kept_whole():
    data = sample_pdf(2, title="Chi thi 28")
    document = _register(file_data=data)
    assert document.file_sha256 == hashlib.sha256(data).hexdigest()
    assert document.file == StoredFile.objects.get(sha256=document.file_sha256)
    with document.file.file.open("rb") as fh:
        assert fh.read() == data


def test_a_refused_registration_takes_no_number():
    with pytest.raises(IncomingError):
        _register(subject="   ")
    assert not IncomingDocument.objects.exists()
    assert _register().number == 1


def test_registration_is_audited():
    clerk = UserFactory()
    document = _register(user=clerk)
    entry = AuditEntry.objects.get(code="workflows.incoming.registered")
    assert entry.data["number"] == 1
    assert entry.data["sha256"] == document.file_sha256
    assert entry.actor == clerk
    assert entry.object_id == str(document.pk)


@pytest.mark.parametrize(
    "overrides",
    [
        {"code": "28/ct-btttt ", "file_data": sample_pdf(1, title="rescanned")},  # same issuer, same số/ký hiệu
        {"code": "99/CV", "issuer_name": "Sở Tài chính"},  # the same file
    ],
)
def test_a_duplicate_is_refused_until_confirmed(overrides):
    original = _register()
    with pytest.raises(PossibleDuplicate) as caught:
        _register(**overrides)
    assert caught.value.duplicates == [original]
    assert "01/2025" in caught.value.message
    assert IncomingDocument.objects.count() == 1
    confirmed = _register(**overrides, confirm_duplicate=True)
    assert confirmed.number == 2
    entry = AuditEntry.objects.filter(code="workflows.incoming.registered").latest("pk")
    assert entry.data["confirmed_duplicates"] == [original.pk]


def test_the_same_code_from_another_issuer_is_not_a_duplicate():
    _register(issuer_organ_id="000.00.00.G22")
    assert not find_duplicates(
        issuer_name="Bộ Thông tin và Truyền thông", issuer_organ_id="000.00.00.H41", code="28/CT-BTTTT", sha256=""
    )
    assert find_duplicates(
        issuer_name="BỘ THÔNG TIN VÀ TRUYỀN THÔNG", issuer_organ_id="", code="28/CT-BTTTT", sha256=""
    )
    assert _register(issuer_name="UBND tỉnh Lạng Sơn", file_data=sample_pdf(1, title="x")).number == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": ""}, "Chưa nhập trích yếu."),
        ({"issuer_name": " "}, "Chưa nhập cơ quan ban hành."),
        ({"channel": "fax"}, "Hình thức nhận không hợp lệ."),
        ({"urgency": "rat-khan"}, "Độ khẩn không hợp lệ."),
        ({"file_data": None}, "Văn bản điện tử phải có tệp đính kèm."),
        ({"file_data": b"PK\x03\x04 not a pdf"}, "Tệp văn bản phải là tệp PDF."),
        ({"channel": Channel.PAPER, "file_data": b"GIF89a"}, "Bản quét phải là tệp PDF hoặc ảnh JPEG, PNG, TIFF."),
        ({"issued_date": dt.date(2025, 11, 26)}, "Ngày văn bản không thể sau ngày đến."),
        ({"deadline": dt.date(2025, 11, 24)}, "Hạn giải quyết không thể trước ngày đến."),
        (
            {"received_at": timezone.now() + dt.timedelta(days=1), "issued_date": None},
            "Ngày đến không thể ở tương lai.",
        ),
    ],
)
def test_bad_input_is_refused_in_vietnamese(overrides, message):
    with pytest.raises(IncomingError) as caught:
        _register(**overrides)
    assert caught.value.message == message
    assert not IncomingDocument.objects.exists()


def test_a_deadline_past_is_overdue_until_done():
    document = _register(deadline=dt.date(2025, 11, 30), urgency="hoa-toc")
    assert document.urgency_rank == 3
    assert not is_overdue(document, today=dt.date(2025, 11, 30))
    assert is_overdue(document, today=dt.date(2025, 12, 1))
    document.status = Status.DONE
    assert not is_overdue(document, today=dt.date(2025, 12, 1))
