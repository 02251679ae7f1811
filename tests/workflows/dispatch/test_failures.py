"""A failing render or signature leaves the task where it was, with a clear message, and can be retried."""

from __future__ import annotations

import socket
from contextlib import contextmanager

import pytest
from django.test import override_settings
from django.urls import reverse

from core.audit import trail_for
from templates_docs import office
from templates_docs.models import RegisterEntry
from workflows.dispatch.models import DispatchRevision, Stage

from .conftest import _today, execute_url, open_task


@contextmanager
def office_down():
    """LibreOffice unavailable: this process's converter points at a program that cannot start."""
    saved = office._server
    office._server = office.OfficeServer(executable="/nonexistent/unoserver", startup_timeout=2, timeout=2)
    try:
        yield
    finally:
        office._server = saved


@pytest.fixture
def tsa_down():
    """A time-stamping authority that refuses connections (a closed local port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with override_settings(SIGNING_TSA_URL=f"http://127.0.0.1:{port}/tsa", SIGNING_TSA_TIMEOUT=2):
        yield


def test_numbering_with_libreoffice_down_keeps_the_task_and_the_number(driver, people, keys):
    process = driver.to_numbering()
    with office_down():
        response = driver.do(people.clerk, process, "number", {"issued_date": _today()})
    assert response.status_code == 200
    assert "LibreOffice" in response.content.decode()
    assert process.number == "" and process.stage == Stage.NUMBERING
    assert RegisterEntry.objects.count() == 0  # the number was given back
    task = open_task(process, "number")
    assert task.owner == people.clerk and task.status == "ASSIGNED"
    assert process.last_error
    assert "workflows.dispatch.number_failed" in trail_for(process).values_list("code", flat=True)


def test_retry_after_libreoffice_comes_back_gets_the_first_number(driver, people, keys):
    process = driver.to_numbering()
    with office_down():
        assert driver.do(people.clerk, process, "number", {"issued_date": _today()}).status_code == 200
    assert driver.do(people.clerk, process, "number", {"issued_date": _today()}).status_code == 302
    assert process.number == "01/STTTT-TTr"  # no gap in the register
    assert process.last_error == ""


def test_signing_with_the_tsa_down_records_nothing_as_signed(driver, people, keys, tsa_down):
    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    response = driver.sign(process, people.leader)
    assert response.status_code == 200
    assert "dấu thời gian" in response.content.decode()
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()
    assert process.stage == Stage.SIGNING
    assert open_task(process, "sign").owner == people.leader
    assert "workflows.dispatch.sign_failed" in trail_for(process).values_list("code", flat=True)


def test_sign_retry_after_tsa_recovers(driver, people, keys):
    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with override_settings(SIGNING_TSA_URL=f"http://127.0.0.1:{port}/tsa", SIGNING_TSA_TIMEOUT=2):
        assert driver.sign(process, people.leader).status_code == 200
    assert driver.sign(process, people.leader).status_code == 302
    assert process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).count() == 1
    assert process.stage == Stage.SEALING


def test_seal_with_the_tsa_down_keeps_the_task(driver, people, keys):
    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    driver.sign(process, people.leader)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with override_settings(SIGNING_TSA_URL=f"http://127.0.0.1:{port}/tsa", SIGNING_TSA_TIMEOUT=2):
        assert driver.do(people.clerk, process, "seal").status_code == 200
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SEALED).exists()
    assert open_task(process, "seal").owner == people.clerk


def test_leader_without_a_key_gets_a_clear_message(driver, people, keys):
    from signing.models import SigningKey

    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    SigningKey.objects.filter(owner=people.leader).update(is_active=False)
    driver.as_(people.leader)
    page = driver.client.get(execute_url(open_task(process, "sign"))).content.decode()
    assert "Bạn chưa có cách ký số nào" in page and reverse("dispatch:external_sign", args=[process.pk]) in page
    response = driver.sign(process, people.leader)
    assert response.status_code == 200
    assert "Trường này là bắt buộc" in response.content.decode()
    assert open_task(process, "sign") is not None
