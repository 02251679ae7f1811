"""Logging in with the second factor in tests: real devices, real codes, never the factor switched off.

`VerifiedClient.force_login` is to the second factor what Django's `force_login` is to the password: the user's
confirmed authenticator (created with a random key if they have none) is recorded as the session's verified
device, exactly as `django_otp.login` does after a right code. Tests of the second factor itself use a plain
`Client` and the pages; browser tests type `current_code(device)` into the code page.
"""

from __future__ import annotations

import time

from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import second_factor


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator app, enrolled with a random key if they have none yet."""
    device = second_factor.totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=second_factor.TOTP_NAME, confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    """A code the device accepts now: its time step (± the tolerance) not used yet; waits for the next step if
    the last one allowed was just used (codes are single-use)."""
    while True:
        device.refresh_from_db()
        now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
        for step in range(now - device.tolerance, now + device.tolerance + 1):
            if step > device.last_t:
                return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"
        time.sleep(1)


class VerifiedClient(Client):
    def login(self, **credentials):
        # django-axes needs the request to know the client (Client.login authenticates without one).
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        return super().login(request=request, **credentials)

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if second_factor.requires_second_factor(user) or second_factor.has_second_factor(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
            session.save()


PASSWORD = "secret-pass-123"  # noqa: S105 - tests.factories.UserFactory


def log_in(client: Client, user, *, password: str = PASSWORD) -> None:
    """Through the pages: the password, then (for the roles that need one) the authenticator's code."""
    response = client.post(reverse("login"), {"username": user.get_username(), "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    if second_factor.requires_second_factor(user):
        code = current_code(authenticator(user))
        response = client.post(reverse("core:second_factor"), {"code": code, "next": "/workflow/"})
        assert response.status_code == 302 and response["Location"] == "/workflow/", response.content.decode()[:500]
