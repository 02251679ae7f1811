"""LibreOffice kept warm: one unoserver per worker process, supervised.

A cold `soffice --convert-to pdf` costs ~1.7 s here; a warm unoserver ~0.2 s. The server is started lazily on
first use, on ports chosen at run time (parallel test sessions and workers never collide), in its own process
group with its own LibreOffice profile. Conversions are queued behind a lock (LibreOffice converts one document
at a time); a server that died is restarted and the conversion retried once; one that hangs past the timeout
is killed (the whole group: soffice lingers after SIGTERM) and restarted on the next request. At exit the group
is killed.

The office dies with the process that started it, however that process ends (SIGKILL included): the launcher
holds the read end of a pipe whose only writer is this process, and kills its own process group when the pipe
closes (office_launcher.py). Each instance also leaves a record in VANTHU_OFFICE_RUN_DIR (its group, its
profile, its owner's pid and start time); a start first kills the groups of records whose owner is gone (a
crash the watchdog could not act on: a frozen office, an unoserver run without the launcher) and removes their
profiles.
"""

from __future__ import annotations

import atexit
import http.client
import json
import logging
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import weakref
import xmlrpc.client
from pathlib import Path

from django.conf import settings

from templates_docs.errors import ConversionError

__all__ = [
    "OfficeServer",
    "convert",
    "get_server",
    "launch_command",
    "live_group_members",
    "reap_stale",
    "shutdown",
]

logger = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


WATCHDOG_ENV = "VANTHU_OFFICE_WATCHDOG_FD"


def _start_time(pid: int) -> int | None:
    """The kernel's start time of a process (clock ticks since boot): a pid reused later has another."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[19])


def _mentions(pid: int, needle: str) -> bool:
    try:
        return needle.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def reap_stale(run_dir: Path) -> int:
    """Kill the office groups whose owner process is gone and remove their profiles; how many were found.

    A record is trusted only as far as the processes confirm it: the group is killed only if one of its live
    members names the instance's own profile on its command line (so a pgid reused by something else is left
    alone)."""
    reaped = 0
    for record_path in sorted(run_dir.glob("*.json")):
        try:
            record = json.loads(record_path.read_text())
            owner, owner_start, pgid, profile = (
                int(record["owner"]),
                int(record["owner_start"]),
                int(record["pgid"]),
                str(record["profile"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            record_path.unlink(missing_ok=True)
            continue
        if _start_time(owner) == owner_start:
            continue  # its owner still runs: not ours to touch
        members = [pid for pid in live_group_members(pgid) if _mentions(pid, profile)]
        if members:
            logger.warning("killing a stale office group %s left by process %s", pgid, owner)
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 5
            while live_group_members(pgid) and time.monotonic() < deadline:
                time.sleep(0.02)
        shutil.rmtree(profile, ignore_errors=True)
        record_path.unlink(missing_ok=True)
        reaped += 1
    return reaped


def live_group_members(pgid: int) -> list[int]:
    """Processes of a group that still run (zombies excluded: reaping orphans is init's job)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


LAUNCHER = Path(__file__).resolve().parent / "office_launcher.py"


def launch_command(executable: str) -> list[str]:
    """How to start the unoserver at `executable`: through office_launcher.py (documents loaded hidden) with the
    Python its script names, or the executable itself when it is no Python script."""
    try:
        with open(executable, "rb") as script:
            first = script.readline(512)
    except OSError:
        return [executable]
    if first.startswith(b"#!") and b"python" in first:
        # -I: the launcher's folder must not come first on sys.path (templates_docs/selectors.py would shadow
        # the standard library's selectors).
        return [*shlex.split(first[2:].decode(errors="replace").strip()), "-I", str(LAUNCHER)]
    return [executable]


class _TimeoutTransport(xmlrpc.client.Transport):
    # The PDF comes back base64-encoded in XML: gzip would cost both sides CPU to save loopback bytes.
    accept_gzip_encoding = False

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


_SERVERS: weakref.WeakSet[OfficeServer] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for server in list(_SERVERS):
        server._forget_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)


class OfficeServer:
    """One supervised unoserver + soffice pair."""

    def __init__(
        self,
        *,
        executable: str,
        run_dir: str | Path | None = None,
        startup_timeout: float = 60.0,
        timeout: float = 60.0,
    ) -> None:
        self.executable = executable
        self.run_dir = Path(run_dir or settings.VANTHU_OFFICE_RUN_DIR)
        self.startup_timeout = startup_timeout
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.restarts = 0
        self._profile: str | None = None
        self._log = None
        self._watchdog: int | None = None  # write end of the pipe the launcher watches
        self._record: Path | None = None
        self._lock = threading.Lock()
        self._owner_pid = os.getpid()
        _SERVERS.add(self)

    # -- lifecycle ---------------------------------------------------------------------------
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self._owner_pid == os.getpid()

    def start(self) -> None:
        # A port picked free can be taken before unoserver binds it: try fresh ports a few times.
        for attempt in (1, 2, 3):
            try:
                return self._start_once()
            except ConversionError:
                if attempt == 3:
                    raise
                logger.warning("unoserver did not start (attempt %s): retrying on new ports", attempt)

    def _start_once(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        reap_stale(self.run_dir)
        if not Path(self.executable).exists():
            raise ConversionError(
                f"unoserver not found at {self.executable}: run `make uno-venv` (or set VANTHU_UNOSERVER)"
            )
        self._profile = tempfile.mkdtemp(prefix="vanthu-lo-profile-")
        self.port = _free_port()
        uno_port = _free_port()
        command = [
            *launch_command(self.executable),
            "--interface",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--uno-port",
            str(uno_port),
            "--user-installation",
            self._profile,
            "--quiet",
        ]
        self._log = tempfile.TemporaryFile()
        watch, self._watchdog = os.pipe()
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so soffice dies with it
                pass_fds=(watch,),
                env={**os.environ, WATCHDOG_ENV: str(watch)},
            )
        finally:
            os.close(watch)
        self._owner_pid = os.getpid()
        self._record = self.run_dir / f"{self.process.pid}.json"
        self._record.write_text(
            json.dumps(
                {
                    "owner": self._owner_pid,
                    "owner_start": _start_time(self._owner_pid),
                    "pgid": self.process.pid,
                    "profile": self._profile,
                }
            )
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                self._proxy(5).info()
                logger.info("unoserver started on port %s (pid %s)", self.port, self.process.pid)
                return
            except (OSError, http.client.HTTPException, xmlrpc.client.Error):
                time.sleep(0.2)
        self._log.seek(0)
        output = self._log.read().decode(errors="replace").strip().splitlines()[-3:]
        self.stop()
        raise ConversionError(f"LibreOffice (unoserver) did not start in time: {' | '.join(output)}")

    def _forget_in_child(self) -> None:
        """In a forked child: this process's office is the parent's; drop the child's copy of the pipe, or the
        office would outlive its owner for as long as the child runs."""
        if self._watchdog is not None:
            os.close(self._watchdog)
            self._watchdog = None

    def stop(self) -> None:
        process, self.process = self.process, None
        if self._owner_pid != os.getpid():
            return
        if self._watchdog is not None:
            os.close(self._watchdog)
            self._watchdog = None
        if process is not None:
            for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=wait)
                    # The group may outlive its leader (soffice): make sure of it.
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
            # SIGKILLed members (a frozen soffice among them) take a moment to die after their leader is reaped.
            deadline = time.monotonic() + 5
            while live_group_members(process.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None
        if self._record is not None:
            self._record.unlink(missing_ok=True)
            self._record = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        self.restarts += 1
        self.stop()
        self.start()

    def _healthy(self) -> bool:
        """The server answers and its office process (a second live member of the group) still runs."""
        if not self.alive():
            return False
        try:
            self._proxy(5).info()
        except (OSError, http.client.HTTPException, xmlrpc.client.Error):
            return False
        return len(live_group_members(self.process.pid)) >= 2

    # -- conversion --------------------------------------------------------------------------
    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(
            f"http://127.0.0.1:{self.port}", allow_none=True, transport=_TimeoutTransport(timeout)
        )

    def _convert_once(self, data: bytes, *, filter_options: list[str], timeout: float) -> bytes:
        result = self._proxy(timeout).convert(
            None, data, None, "pdf", "writer_pdf_Export", filter_options, False, None, None
        )
        if result is None:
            raise ConversionError("LibreOffice returned no document")
        return result.data

    def convert(self, data: bytes, *, filter_options: list[str] | None = None, timeout: float | None = None) -> bytes:
        timeout = timeout or self.timeout
        options = filter_options or []
        # Queued, not failed: wait for the conversions ahead (each bounded by its own timeout).
        if not self._lock.acquire(timeout=timeout * 20):
            raise ConversionError("LibreOffice is busy: the conversion queue did not move")
        try:
            for attempt in (1, 2):
                if not self.alive():
                    if self.process is not None or attempt == 2:
                        self.restarts += 1
                    self.stop()
                    self.start()
                try:
                    return self._convert_once(data, filter_options=options, timeout=timeout)
                except TimeoutError as exc:
                    logger.warning("LibreOffice conversion timed out after %ss: killing it", timeout)
                    self.stop()
                    raise ConversionError(f"LibreOffice did not finish within {timeout:g} s") from exc
                except (ConnectionError, http.client.HTTPException, OSError) as exc:
                    logger.warning("unoserver unreachable (%s): restarting", exc)
                    self.stop()
                    if attempt == 2:
                        raise ConversionError(f"LibreOffice is not answering: {exc}") from exc
                except xmlrpc.client.Fault as exc:
                    # A fault is either a file LibreOffice cannot read (the server still answers, its office
                    # still runs: report it and keep the server) or a dead office behind a live server (retry
                    # once on a fresh one).
                    logger.warning("unoserver fault: %s", exc.faultString[:200])
                    if attempt == 2 or self._healthy():
                        raise ConversionError(
                            f"LibreOffice could not convert the document: {exc.faultString[:200]}"
                        ) from exc
                    self.stop()
            raise ConversionError("LibreOffice conversion failed")
        finally:
            self._lock.release()


_server: OfficeServer | None = None
_server_lock = threading.Lock()


def get_server() -> OfficeServer:
    """This process's server (a forked worker gets its own)."""
    global _server
    with _server_lock:
        if _server is None or _server._owner_pid != os.getpid():
            _server = OfficeServer(
                executable=str(settings.VANTHU_UNOSERVER),
                startup_timeout=float(settings.VANTHU_UNOSERVER_STARTUP_TIMEOUT),
                timeout=float(settings.VANTHU_CONVERSION_TIMEOUT),
            )
        return _server


def convert(data: bytes, *, pdfa: bool = False, timeout: float | None = None) -> bytes:
    # Bookmarks become named destinations: the template's signature markers (templates_docs.signature).
    options = ["ExportBookmarksToPDFDestination=true"]
    if pdfa:
        options.append("SelectPdfVersion=2")
    return get_server().convert(data, filter_options=options, timeout=timeout)


@atexit.register
def shutdown() -> None:
    if _server is not None:
        _server.stop()
