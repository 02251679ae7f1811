"""Re-authentication before a signature or a seal: a stolen session cookie must not be enough to sign.

A user proves who they are again (the password, or the TOTP code once they have a second factor) and may then
sign for `VANTHU_REAUTH_SECONDS`. Logging in counts as such a proof. The proof lives in the session, bound to the
user it was made for; every view that signs, seals or numbers is wrapped by `require_recent_authentication` (or
`RecentAuthenticationRequiredMixin` for a class-based view), which sends anyone without a fresh proof to the
re-authentication page and back to `next` afterwards, having done nothing.
"""

from __future__ import annotations

import time
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.audit import log_action

SESSION_KEY = "vanthu_reauth"

# How the user last proved who they are: at login, or on the re-authentication page.
LOGIN = "login"
PASSWORD = "password"  # noqa: S105 - a method name, not a secret
TOTP = "totp"
RECOVERY_CODE = "recovery-code"
METHODS = (LOGIN, PASSWORD, TOTP, RECOVERY_CODE)


def mark_authenticated(request: HttpRequest, *, method: str, user: Any = None) -> None:
    """Record that the signed-in user (or `user`, while logging in) has just proved who they are."""
    if method not in METHODS:
        raise ValueError(f"unknown re-authentication method {method!r}")
    who = user if user is not None else request.user
    request.session[SESSION_KEY] = {"user": str(who.pk), "at": time.time(), "method": method}


def verify_password(request: HttpRequest, *, password: str) -> bool:
    """The signed-in user's password, checked through the authentication backends (so login throttling counts
    a wrong one like a wrong login). Audited either way; a right one records a fresh proof."""
    user = request.user
    checked = authenticate(request, username=user.get_username(), password=password)
    ok = checked is not None and checked.pk == user.pk
    _record(request, method=PASSWORD, ok=ok)
    return ok


def _record(request: HttpRequest, *, method: str, ok: bool) -> None:
    log_action("core.reauth.succeeded" if ok else "core.reauth.failed", {"method": method}, request.user)
    if ok:
        mark_authenticated(request, method=method)


def forget_authentication(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def authenticated_age(request: HttpRequest) -> float | None:
    """Seconds since the signed-in user last proved who they are in this session; None if never (or not them)."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return None
    proof = request.session.get(SESSION_KEY)
    if not isinstance(proof, dict) or proof.get("user") != str(user.pk):
        return None
    try:
        at = float(proof["at"])
    except (KeyError, TypeError, ValueError):
        return None
    return time.time() - at


def is_recently_authenticated(request: HttpRequest) -> bool:
    age = authenticated_age(request)
    return age is not None and 0 <= age <= settings.VANTHU_REAUTH_SECONDS


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it is a path on this site, else the default landing page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def reauth_url(next_url: str) -> str:
    return f"{reverse('core:reauth')}?{urlencode({'next': next_url})}"


def _refuse(request: HttpRequest) -> HttpResponse:
    messages.warning(request, _("Vì an toàn, hãy xác thực lại trước khi ký số hoặc đóng dấu."))
    return HttpResponseRedirect(reauth_url(request.get_full_path()))


def require_recent_authentication(view):
    """View decorator: without a fresh proof of identity, go to the re-authentication page (nothing is done)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_recently_authenticated(request):
            return _refuse(request)
        return view(request, *args, **kwargs)

    return wrapped


class RecentAuthenticationRequiredMixin:
    """The same for a class-based view; put it first among the bases so it runs before anything else."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_recently_authenticated(request):
            return _refuse(request)
        return super().dispatch(request, *args, **kwargs)


def _on_login(sender, request: HttpRequest | None = None, user=None, **kwargs) -> None:
    # Logging in is a proof of identity. Where a second factor is required, the pages behind it stay closed until
    # the code is given, and giving it records a fresh proof again.
    if request is not None and hasattr(request, "session") and user is not None:
        mark_authenticated(request, method=LOGIN, user=user)


def connect_signals() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="core-reauth-on-login")
