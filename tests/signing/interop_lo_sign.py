"""Sign a PDF with LibreOffice itself, without any dialog (an independent signer for `test_interop.py`).

Run with Debian's /usr/bin/python3 (it has the `uno` module of python3-uno), not the project's venv:

    /usr/bin/python3 interop_lo_sign.py OUT.pdf --nss DIR --profile DIR --serial HEX [--reason R] [--location L]
        [--pidfile FILE] [--deadline SECONDS]

Starts a headless soffice with its own user profile and MOZILLA_CERTIFICATE_FOLDER=DIR (an NSS database holding
the signer's certificate and key, empty password), connects over a loopback UNO socket, takes the personal
certificate whose serial number is HEX from the NSS security environment (no certificate dialog), makes a small
Writer document and exports it with `writer_pdf_Export` and FilterData SignPDF / SignatureCertificate /
SignaturePassword / SignatureReason / SignatureLocation (the names the PDF options dialog passes; the
PDFWriter context's SignCertificate / SignPassword are ignored by the filter and the export then fails with an
I/O error 0xc10). soffice runs in its own process group, killed when the script ends and by a watchdog thread
after --deadline seconds.
Prints one line: the number of personal certificates and the signer's subject, for the caller's log.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import uno  # python3-uno (Debian): only /usr/bin/python3 sees it
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

SOFFICE = "/usr/lib/libreoffice/program/soffice"
START_TIMEOUT = 60.0


def _prop(name: str, value: Any) -> PropertyValue:
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _connect(proc: subprocess.Popen, port: int) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"soffice exited with {proc.returncode} before accepting UNO connections")
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise RuntimeError(f"soffice did not accept a UNO connection within {START_TIMEOUT:.0f} s") from None
            time.sleep(0.2)


def _certificate(ctx: Any, serial_hex: str) -> tuple[Any, int]:
    smgr = ctx.ServiceManager
    initializer = smgr.createInstanceWithContext("com.sun.star.xml.crypto.SEInitializer", ctx)
    env = initializer.createSecurityContext("").getSecurityEnvironment()
    certs = env.getPersonalCertificates()
    wanted = int(serial_hex, 16)
    for cert in certs:
        if int.from_bytes(bytes(cert.SerialNumber.value), "big") == wanted:
            return cert, len(certs)
    found = [(c.SubjectName, bytes(c.SerialNumber.value).hex()) for c in certs]
    raise RuntimeError(f"no personal certificate with serial {serial_hex} in the NSS database; found {found}")


def _sign(ctx: Any, out: Path, cert: Any, reason: str, location: str) -> None:
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL("private:factory/swriter", "_blank", 0, (_prop("Hidden", True),))
    try:
        text = doc.getText()
        text.setString(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
            "Công văn thử nghiệm, ký bằng LibreOffice (xuất PDF có chữ ký số)."
        )
        filter_data = uno.Any(
            "[]com.sun.star.beans.PropertyValue",
            (
                _prop("SignPDF", True),
                _prop("SignatureCertificate", cert),
                _prop("SignaturePassword", ""),
                _prop("SignatureReason", reason),
                _prop("SignatureLocation", location),
                _prop("SignatureContactInfo", "van-thu@example.invalid"),
            ),
        )
        args = (_prop("FilterName", "writer_pdf_Export"), _prop("FilterData", filter_data))
        uno.invoke(doc, "storeToURL", (uno.systemPathToFileUrl(str(out)), args))
    finally:
        doc.close(True)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL soffice's own process group (the soffice script, oosplash and soffice.bin)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _stop(proc: subprocess.Popen, ctx: Any | None) -> None:
    if ctx is not None and proc.poll() is None:
        try:
            ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx).terminate()
        except Exception:  # noqa: BLE001, S110 - the bridge drops while soffice exits
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    _kill_group(proc)  # always: soffice.bin may outlive the script that started it
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--nss", type=Path, required=True, help="NSS database directory (empty password)")
    parser.add_argument("--profile", type=Path, required=True, help="LibreOffice user profile directory")
    parser.add_argument("--serial", required=True, help="serial number of the signer certificate, hex")
    parser.add_argument("--reason", default="Ký duyệt")
    parser.add_argument("--location", default="Hà Nội")
    parser.add_argument("--pidfile", type=Path, help="written with soffice's process group id")
    parser.add_argument("--deadline", type=float, default=90.0, help="seconds before soffice is killed")
    opts = parser.parse_args(argv)

    port = _free_port()
    env = {**os.environ, "MOZILLA_CERTIFICATE_FOLDER": str(opts.nss.resolve()), "SAL_USE_VCLPLUGIN": "svp"}
    log_path = opts.profile.parent / f"{opts.profile.name}.log"  # soffice's own output
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                SOFFICE,
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                "--nolockcheck",
                f"-env:UserInstallation={uno.systemPathToFileUrl(str(opts.profile.resolve()))}",
                f"--accept=socket,host=127.0.0.1,port={port};urp;",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if opts.pidfile is not None:
            opts.pidfile.write_text(str(proc.pid))
        # a UNO call can block forever if soffice hangs: the watchdog kills it, the call then fails
        fired = threading.Event()

        def overdue() -> None:
            fired.set()
            _kill_group(proc)

        watchdog = threading.Timer(opts.deadline, overdue)
        watchdog.daemon = True
        watchdog.start()
        ctx = None
        try:
            ctx = _connect(proc, port)
            cert, count = _certificate(ctx, opts.serial)
            opts.out.unlink(missing_ok=True)
            _sign(ctx, opts.out.resolve(), cert, opts.reason, opts.location)
            if not opts.out.exists():
                raise RuntimeError("writer_pdf_Export wrote no file")
            print(f"personal certificates: {count}; signer: {cert.SubjectName}")
        except Exception as exc:
            if fired.is_set():
                raise RuntimeError(f"soffice killed: not done within --deadline {opts.deadline:g} s") from exc
            raise
        finally:
            watchdog.cancel()
            _stop(proc, ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
