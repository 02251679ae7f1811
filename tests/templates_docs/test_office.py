"""The warm LibreOffice supervisor, exercised for real: restart after death, timeout on a hang, queueing."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from templates_docs import office, services
from templates_docs.errors import ConversionError


@pytest.fixture(scope="module")
def docx():
    from templates_docs.builder import builtin_template
    from templates_docs.context import build_context, parse_data
    from templates_docs.rendering import fill_template

    sample = services.load_sample("thong-bao")
    context = build_context(
        doc_type="thong-bao",
        data=parse_data(sample),
        organisation=settings.VANTHU_DEFAULT_ORGANISATION,
        draft=False,
        today=__import__("datetime").date(2026, 1, 1),
    )
    return fill_template(builtin_template("thong-bao"), context)


def test_server_dies_and_is_restarted(docx):
    server = office.get_server()
    assert services.convert_to_pdf(docx).startswith(b"%PDF")
    pid, restarts = server.process.pid, server.restarts
    os.killpg(pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    assert services.convert_to_pdf(docx).startswith(b"%PDF")
    assert server.process.pid != pid and server.restarts == restarts + 1


def test_hung_server_times_out_then_recovers(docx):
    server = office.get_server()
    services.convert_to_pdf(docx)
    pgid = server.process.pid
    os.killpg(pgid, signal.SIGSTOP)  # frozen, like a LibreOffice stuck on a document
    started = time.monotonic()
    with pytest.raises(ConversionError, match="within"):
        services.convert_to_pdf(docx, timeout=2)
    assert time.monotonic() - started < 15
    assert office.live_group_members(pgid) == []  # the frozen group was killed, not left behind
    assert services.convert_to_pdf(docx).startswith(b"%PDF")


def test_concurrent_requests_are_queued_not_failed(docx):
    results, errors = [], []

    def convert():
        try:
            results.append(services.convert_to_pdf(docx))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=convert) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 4 and all(r.startswith(b"%PDF") for r in results)


def test_stop_kills_the_whole_process_group(docx):
    server = office.OfficeServer(executable=str(settings.VANTHU_UNOSERVER), timeout=60)
    server.start()
    assert server.convert(docx).startswith(b"%PDF")  # soffice is up as a child by now
    pgid, profile = server.process.pid, server._profile
    assert len(office.live_group_members(pgid)) >= 2  # unoserver and soffice
    server.stop()
    assert office.live_group_members(pgid) == []
    assert not os.path.exists(profile)


def test_garbage_input_is_a_conversion_error_and_the_server_survives(docx):
    with pytest.raises(ConversionError):
        services.convert_to_pdf(b"")
    services.convert_to_pdf(docx)
    server = office.get_server()
    pid, restarts = server.process.pid, server.restarts
    with pytest.raises(ConversionError, match="could not convert"):
        services.convert_to_pdf(b"PK\x03\x04 this is no document", timeout=30)
    assert services.convert_to_pdf(docx).startswith(b"%PDF")
    assert (server.process.pid, server.restarts) == (pid, restarts)  # a bad file does not cost a restart


def test_missing_unoserver_is_a_clear_error(docx):
    server = office.OfficeServer(executable="/nonexistent/unoserver")
    with pytest.raises(ConversionError, match="make uno-venv"):
        server.convert(docx)


def test_the_server_runs_through_the_launcher_that_loads_documents_hidden(docx):
    command = office.launch_command(str(settings.VANTHU_UNOSERVER))
    assert command[-2:] == ["-I", str(office.LAUNCHER)] and "python" in command[0]
    server = office.get_server()
    services.convert_to_pdf(docx)
    cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")
    assert str(office.LAUNCHER).encode() in cmdline


def test_an_executable_that_is_no_python_script_is_run_as_it_is(tmp_path):
    binary = tmp_path / "unoserver"
    binary.write_bytes(b"\x7fELF\x02\x01\x01")
    assert office.launch_command(str(binary)) == [str(binary)]
    script = tmp_path / "unoserver-env"
    script.write_text("#!/usr/bin/env python3\nimport sys\n")
    assert office.launch_command(str(script)) == ["/usr/bin/env", "python3", "-I", str(office.LAUNCHER)]
