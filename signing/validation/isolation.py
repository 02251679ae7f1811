"""Validation in a long-lived child process with an address-space limit and a wall-clock timeout, so a hostile
upload (decompression bomb, pathological object graph) can cost at most one child process, never the web worker.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import sys
import threading
import types

from signing.validation.report import ReportReason, ValidationReport
from signing.validation.validate import ValidationOptions, validate_bytes

__all__ = ["IsolatedValidator"]


def _worker_main(conn, memory_mb: int) -> None:  # pragma: no cover - runs in the child process
    import resource

    limit = memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    # warm the imports so the first request is as fast as the next ones
    import pyhanko.sign.validation  # noqa: F401

    conn.send("ready")
    while True:
        try:
            data, options = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = validate_bytes(data, options).to_dict()
        except BaseException as exc:  # noqa: BLE001
            result = ValidationReport.unreadable(
                hashlib.sha256(data).hexdigest(), len(data), ReportReason.WORKER_ERROR, error=type(exc).__name__
            ).to_dict()
        del data
        conn.send(result)


class IsolatedValidator:
    """One child process (spawned, so no fork-with-threads hazards) reused for every validation."""

    def __init__(self, memory_mb: int = 1024):
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker_main, args=(child, self.memory_mb), daemon=True, name="vanthu-validate")
        # The worker needs nothing from the host's __main__ (manage.py, gunicorn, a script without a main
        # guard): hide it so `spawn` does not re-run it in the child.
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            proc.start()
        finally:
            sys.modules["__main__"] = main
        child.close()
        self._proc, self._conn = proc, parent
        if not parent.poll(120) or parent.recv() != "ready":
            self._kill()
            raise RuntimeError("the validation worker did not start")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(timeout=5)
            self._proc.close()
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        with self._lock:
            self._kill()

    def validate(self, data: bytes, options: ValidationOptions) -> ValidationReport:
        sha = hashlib.sha256(data).hexdigest()
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._kill()
                self._start()
            try:
                self._conn.send((data, options))
                if not self._conn.poll(options.timeout):
                    self._kill()
                    return ValidationReport.unreadable(sha, len(data), ReportReason.TIMEOUT)
                return ValidationReport.from_dict(self._conn.recv())
            except (EOFError, OSError, BrokenPipeError):
                self._kill()
                return ValidationReport.unreadable(sha, len(data), ReportReason.RESOURCES)
