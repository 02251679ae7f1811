"""unoserver, loading documents hidden and dying with its owner. Run by the Python that has UNO (the unoserver
venv), never imported by Django:

    <unoserver's python> office_launcher.py --interface 127.0.0.1 --port P --uno-port Q ...

unoserver 3.7 opens each document in a (headless) frame with a view; LibreOffice lays a document out for that view
and again for the PDF export. `Hidden=True` in the load properties (what JODConverter passes) skips the view: about
25 ms of LibreOffice CPU time out of 60 for a 2-page công văn on this machine. Everything else is unoserver's own
server, arguments included.

Watchdog: VANTHU_OFFICE_WATCHDOG_FD names the read end of a pipe whose only writer is the process that started
this one. When that process ends, however it ends, the read returns end-of-file and the whole process group
(this server and its soffice) is killed. A pipe rather than PR_SET_PDEATHSIG: the kernel sends that signal when
the *thread* that forked exits, and the office is started from whichever request or task thread needs it first.
"""

import os
import signal
import sys
import threading

import uno
from unoserver import converter, server


class _HiddenDesktop:
    def __init__(self, desktop) -> None:
        self._desktop = desktop

    def loadComponentFromURL(self, url, frame, flags, properties):  # noqa: N802 - the UNO method it stands for
        hidden = uno.createUnoStruct("com.sun.star.beans.PropertyValue", "Hidden", 0, True, 0)
        return self._desktop.loadComponentFromURL(url, frame, flags, (*properties, hidden))

    def __getattr__(self, name):
        return getattr(self._desktop, name)


_original_init = converter.UnoConverter.__init__


def _init_hidden(self, *args, **kwargs) -> None:
    _original_init(self, *args, **kwargs)
    self.desktop = _HiddenDesktop(self.desktop)


converter.UnoConverter.__init__ = _init_hidden


def _watch(fd: int) -> None:
    while os.read(fd, 1):  # nothing is ever written: returns b"" once the owner is gone
        pass
    os.killpg(os.getpgrp(), signal.SIGKILL)


if __name__ == "__main__":
    if os.environ.get("VANTHU_OFFICE_WATCHDOG_FD"):
        watchdog = int(os.environ.pop("VANTHU_OFFICE_WATCHDOG_FD"))
        threading.Thread(target=_watch, args=(watchdog,), name="owner-watchdog", daemon=True).start()
    sys.exit(server.main())
