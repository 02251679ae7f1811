"""Authentication events in the audit log: logins, logouts, failed logins and lockouts (never a password)."""

from __future__ import annotations

import time

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from core.audit import log_action

LAST_SEEN_KEY = "vanthu_last_seen"  # core.middleware.IdleTimeoutMiddleware


def _client(request) -> str:
    return (get_client_ip_address(request) or "") if request is not None else ""


def _logged_in(sender, request=None, user=None, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = time.time()
    log_action("core.auth.logged_in", {"client": _client(request)}, user)


def _logged_out(sender, request=None, user=None, **kwargs) -> None:
    if user is not None:
        log_action("core.auth.logged_out", {"client": _client(request)}, user)


def _login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username", ""))[:150]
    log_action("core.auth.login_failed", {"username": username, "client": _client(request)})


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    log_action("core.auth.locked_out", {"username": str(username or "")[:150], "client": ip_address or ""})


def connect_signals() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="core-audit-logged-in")
    user_logged_out.connect(_logged_out, dispatch_uid="core-audit-logged-out")
    user_login_failed.connect(_login_failed, dispatch_uid="core-audit-login-failed")
    user_locked_out.connect(_locked_out, dispatch_uid="core-audit-locked-out")
