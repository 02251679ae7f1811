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


# --- the office dies with its owner; a crash's leftovers are cleaned up at the next start -------------------------
OWNER = """
import sys, threading, time
import django
django.setup()
from django.conf import settings
from templates_docs import office
servers = [office.OfficeServer(executable=str(settings.VANTHU_UNOSERVER)) for _ in range(2)]
threads = [threading.Thread(target=server.start) for server in servers]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
for server in servers:
    print(server.process.pid, server._profile, flush=True)
time.sleep(300)
"""


@pytest.fixture
def owner(tmp_path):
    """A process that starts two offices, as a web or task worker starts one, with `tmp_path / "run"` as their
    run directory: (process, [(office process group, office profile)] * 2). Everything is killed afterwards."""
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "VANTHU_OFFICE_RUN_DIR": str(tmp_path / "run"),
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", OWNER], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    with process:
        offices = [(int(pgid), profile) for pgid, profile in (process.stdout.readline().split() for _ in range(2))]
        try:
            for pgid, _profile in offices:
                assert len(office.live_group_members(pgid)) >= 2  # unoserver and soffice
            yield process, offices
        finally:
            process.kill()
            for pgid, _profile in offices:
                for sig in (signal.SIGCONT, signal.SIGKILL):
                    try:
                        os.killpg(pgid, sig)
                    except ProcessLookupError:
                        pass


def _gone_within(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while office.live_group_members(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_office_dies_with_its_owner_and_a_stale_one_is_cleaned_up_by_the_next_start(tmp_path, owner):
    process, ((running, running_profile), (frozen, frozen_profile)) = owner
    os.killpg(frozen, signal.SIGSTOP)  # a frozen office: its watchdog cannot act when the owner dies
    process.kill()  # SIGKILL: no atexit, no cleanup in the owner
    process.wait(timeout=10)
    assert _gone_within(running, 10), "unoserver/soffice outlived the process that started them"

    time.sleep(0.5)
    assert office.live_group_members(frozen), "the frozen office should still be there before the next start"
    # both records stay (the killed office's profile too) until the next start, which first cleans up what the
    # crash left (here a start that then fails: no unoserver)
    assert sorted(p.name for p in (tmp_path / "run").glob("*.json")) == sorted([f"{running}.json", f"{frozen}.json"])
    with pytest.raises(ConversionError, match="make uno-venv"):
        office.OfficeServer(executable="/nonexistent/unoserver", run_dir=tmp_path / "run").start()
    assert office.live_group_members(frozen) == []
    assert not os.path.exists(frozen_profile) and not os.path.exists(running_profile)
    assert list((tmp_path / "run").glob("*.json")) == []


def test_reaping_leaves_live_owners_and_strangers_alone(tmp_path):
    import json
    import subprocess

    run = tmp_path / "run"
    run.mkdir()
    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True)  # noqa: S603, S607
    try:
        # a record whose owner runs (this test process) and one whose owner is gone but whose group is not an
        # office of ours (a reused pgid): neither group may be killed
        me = {"owner": os.getpid(), "owner_start": office._start_time(os.getpid())}
        (run / "live.json").write_text(json.dumps({**me, "pgid": stranger.pid, "profile": str(tmp_path / "p1")}))
        (run / "dead.json").write_text(
            json.dumps({"owner": 2**22 + 1, "owner_start": 1, "pgid": stranger.pid, "profile": str(tmp_path / "p2")})
        )
        (run / "broken.json").write_text("{not json")
        assert office.reap_stale(run) == 1
        assert stranger.poll() is None
        assert sorted(p.name for p in run.glob("*.json")) == ["live.json"]
    finally:
        stranger.kill()
        stranger.wait()
