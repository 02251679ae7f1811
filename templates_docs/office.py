"""LibreOffice kept warm: one unoserver per worker process, supervised.

A cold `soffice --convert-to pdf` costs ~1.7 s here; a warm unoserver ~0.2 s. The server is started lazily on
first use, on ports chosen at run time (parallel test sessions and workers never collide), in its own process
group with its own LibreOffice profile. Conversions are queued behind a lock (LibreOffice converts one document
at a time); a server that died is restarted and the conversion retried once; one that hangs past the timeout
is killed (the whole group: soffice lingers after SIGTERM) and restarted on the next request. At exit the group
is killed.
"""

from __future__ import annotations

import atexit
import http.client
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
import xmlrpc.client
from pathlib import Path

from django.conf import settings

from templates_docs.errors import ConversionError

__all__ = ["OfficeServer", "convert", "get_server", "launch_command", "live_group_members", "shutdown"]

logger = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


class OfficeServer:
    """One supervised unoserver + soffice pair."""

    def __init__(self, *, executable: str, startup_timeout: float = 60.0, timeout: float = 60.0) -> None:
        self.executable = executable
        self.startup_timeout = startup_timeout
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.restarts = 0
        self._profile: str | None = None
        self._log = None
        self._lock = threading.Lock()
        self._owner_pid = os.getpid()

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
        self.process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so soffice dies with it
        )
        self._owner_pid = os.getpid()
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

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and self._owner_pid == os.getpid():
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
    options = ["SelectPdfVersion=2"] if pdfa else []
    return get_server().convert(data, filter_options=options, timeout=timeout)


@atexit.register
def shutdown() -> None:
    if _server is not None:
        _server.stop()
