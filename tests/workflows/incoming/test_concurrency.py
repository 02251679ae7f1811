"""On PostgreSQL: two clerks registering at the same moment never share a số đến."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tests.signing_support import sample_pdf
from workflows.incoming.models import Channel, IncomingDocument
from workflows.incoming.services.registration import register_incoming

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _register(code: str):
    def call():
        try:
            return register_incoming(
                channel=Channel.PDF,
                issuer_name="Sở Nội vụ",
                code=code,
                subject=f"Văn bản {code}",
                received_at=timezone.now() - dt.timedelta(minutes=1),
                file_data=sample_pdf(1, title=code),
                user=None,
            ).number
        finally:
            connection.close()

    return call


def test_two_clerks_registering_at_once_get_consecutive_numbers(on_postgres):
    barrier = threading.Barrier(4)
    results: list = []
    errors: list = []

    def run(call):
        try:
            barrier.wait(timeout=30)
            results.append(call())
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(_register(f"{n}/SNV"),)) for n in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == [1, 2, 3, 4]
    assert sorted(IncomingDocument.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
