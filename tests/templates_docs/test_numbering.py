"""Numbering registers: ND30 codes, gap-free and unique per series and year, also under concurrency."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from templates_docs.errors import NumberingError, TemplateDataError
from templates_docs.models import RegisterEntry
from templates_docs.services import register_outgoing

pytestmark = pytest.mark.django_db


def register(doc_type="cong-van", *, issued=date(2026, 1, 5), unit="TTr", **kw):
    with transaction.atomic():
        return register_outgoing(
            doc_type=doc_type,
            issued_date=issued,
            agency_abbreviation="STTTT",
            drafting_unit=unit,
            subject=kw.pop("subject", "Tăng cường phòng, chống hàng cấm"),
            signer_name="Nguyễn Quang Huy",
            recipients=["Như trên", "Lưu: VT, TTr."],
            **kw,
        )


def test_numbers_run_from_01_with_nd30_codes():
    first, second = register(), register(unit="VP")
    directive = register("chi-thi")
    assert (first.number, first.code) == (1, "01/STTTT-TTr")
    assert (second.number, second.code) == (2, "02/STTTT-VP")
    assert (directive.number, directive.code) == (1, "01/CT-STTTT")
    assert first.archive_holder == "VT, TTr" and first.copies == 1
    assert first.type_and_subject == "Công văn: Tăng cường phòng, chống hàng cấm"


def test_tenth_number_has_no_leading_zero():
    codes = [register().code for _ in range(10)]
    assert codes[8] == "09/STTTT-TTr" and codes[9] == "10/STTTT-TTr"


def test_each_year_restarts_at_one():
    register(issued=date(2025, 12, 31))
    register(issued=date(2025, 12, 31))
    assert register(issued=date(2026, 1, 1)).number == 1


def test_shared_series_numbers_all_types_in_one_sequence(settings):
    settings.VANTHU_NUMBERING_SERIES = "shared"
    numbers = [register(t).number for t in ("cong-van", "chi-thi", "quyet-dinh", "cong-van")]
    assert numbers == [1, 2, 3, 4]
    assert RegisterEntry.objects.filter(series="van-ban-hanh-chinh").count() == 4


def test_bad_series_setting(settings):
    settings.VANTHU_NUMBERING_SERIES = "by-unit"
    with pytest.raises(NumberingError):
        register()


def test_rolled_back_transaction_gives_its_number_back():
    register()
    with pytest.raises(RuntimeError), transaction.atomic():
        register_outgoing(
            doc_type="cong-van",
            issued_date=date(2026, 1, 5),
            agency_abbreviation="STTTT",
            drafting_unit="TTr",
            subject="Hủy",
            signer_name="A",
            recipients=[],
        )
        raise RuntimeError("caller failed after numbering")
    assert register().number == 2
    assert list(RegisterEntry.objects.order_by("number").values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_must_be_called_inside_a_transaction():
    assert not connection.in_atomic_block
    with pytest.raises(NumberingError):
        register_outgoing(
            doc_type="cong-van",
            issued_date=date(2026, 1, 5),
            agency_abbreviation="STTTT",
            drafting_unit="TTr",
            subject="x",
            signer_name="A",
            recipients=[],
        )
    assert not RegisterEntry.objects.exists()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [("subject", {"subject": " "}), ("copies", {"copies": 0})],
)
def test_bad_register_input(field, kwargs):
    with pytest.raises(TemplateDataError) as exc:
        register(**kwargs)
    assert exc.value.field == field


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_numbering_on_postgres_is_gap_free_and_unique(on_postgres):
    workers, per_worker = 8, 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work():
        try:
            barrier.wait()
            for _ in range(per_worker):
                with transaction.atomic():
                    register_outgoing(
                        doc_type="cong-van",
                        issued_date=date(2026, 3, 1),
                        agency_abbreviation="STTTT",
                        drafting_unit="TTr",
                        subject="Đồng thời",
                        signer_name="A",
                        recipients=[],
                    )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    numbers = sorted(RegisterEntry.objects.filter(year=2026).values_list("number", flat=True))
    assert numbers == list(range(1, workers * per_worker + 1))
    codes = RegisterEntry.objects.filter(year=2026).values_list("code", flat=True)
    assert len(set(codes)) == workers * per_worker
