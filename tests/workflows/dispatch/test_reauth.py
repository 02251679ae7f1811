"""Hole 5 (issue 11): a stolen session cannot sign, seal or number; a fresh proof of identity can, for a while."""

from __future__ import annotations

import base64
import io
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.test import Client
from django.urls import reverse
from viewflow.workflow import STATUS

from core.models import AuditEntry
from core.reauth import SESSION_KEY
from templates_docs.models import RegisterEntry
from tests.auth_support import authenticator, current_code, log_in
from workflows.dispatch.models import DispatchRevision

from .conftest import _today, execute_url, open_task


def stolen_session(user, *, logged_in_seconds_ago: float) -> Client:
    """The user logs in (password and authenticator code); an attacker copies the session cookie, later."""
    victim = Client()
    log_in(victim, user)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = victim.cookies[settings.SESSION_COOKIE_NAME].value
    age_proof(thief, logged_in_seconds_ago)
    return thief


def age_proof(client: Client, seconds: float) -> None:
    session = client.session
    proof = session[SESSION_KEY]
    proof["at"] -= seconds
    session[SESSION_KEY] = proof
    session.save()


def reauthenticate(client: Client, next_url: str, user, code: str | None = None):
    """Leadership and the clerk re-authenticate with their authenticator's code."""
    code = code if code is not None else current_code(authenticator(user))
    return client.post(reverse("core:reauth"), {"code": code, "next": next_url})


def _taken(driver, user, process, node):
    driver.as_(user)
    task = open_task(process, node)
    assert driver.client.post(reverse("dispatch:take", args=[task.pk])).status_code == 302
    return task


def _refused(response, url):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:reauth")), response["Location"]
    assert "next=" in response["Location"]


STALE = settings.VANTHU_REAUTH_SECONDS + 60
SIGN = {"method": "protected:user-giamdoc", "pin": settings.SIGNING_DEV_SIGNING_PIN}  # the leader's own PIN


def test_stolen_session_cannot_sign_until_the_password_is_given_again(driver, people, keys):
    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    task = _taken(driver, people.leader, process, "sign")
    thief = stolen_session(people.leader, logged_in_seconds_ago=STALE)
    audited = AuditEntry.objects.count()
    url = execute_url(task)
    _refused(thief.post(url, SIGN), url)
    _refused(thief.get(url), url)
    process.refresh_from_db()
    task.refresh_from_db()
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()
    assert task.status == STATUS.ASSIGNED
    assert not AuditEntry.objects.filter(pk__gt=0, code="workflows.dispatch.signed").exists()
    assert AuditEntry.objects.count() == audited

    # neither a wrong code nor the password is a proof for a user with an authenticator
    response = reauthenticate(thief, url, people.leader, code="000000")
    assert response.status_code == 200
    assert "Mã không đúng hoặc đã dùng." in response.content.decode()
    response = thief.post(reverse("core:reauth"), {"password": "secret-pass-123", "next": url})
    assert response.status_code == 200
    _refused(thief.post(url, SIGN), url)
    assert AuditEntry.objects.filter(code="core.second_factor.failed", actor=people.leader).count() == 1
    time.sleep(1.1)  # after a wrong code django-otp makes the next try wait (a second after the first failure)

    # the right code sends the user back to the step, which now signs
    response = reauthenticate(thief, url, people.leader)
    assert response.status_code == 302 and response["Location"] == url
    assert AuditEntry.objects.filter(code="core.second_factor.verified", actor=people.leader).count() == 2
    assert thief.post(url, SIGN).status_code == 302
    process.refresh_from_db()
    assert process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).count() == 1


def test_stolen_session_cannot_seal(driver, people, keys):
    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    driver.sign(process, people.leader)
    task = _taken(driver, people.clerk, process, "seal")

    thief = stolen_session(people.clerk, logged_in_seconds_ago=STALE)
    url = execute_url(task)
    _refused(thief.post(url, {}), url)
    process.refresh_from_db()
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SEALED).exists()
    assert not AuditEntry.objects.filter(code="workflows.dispatch.sealed").exists()

    assert reauthenticate(thief, url, people.clerk).status_code == 302
    assert thief.post(url, {}).status_code == 302
    process.refresh_from_db()
    assert process.revisions.filter(kind=DispatchRevision.Kind.SEALED).count() == 1


def test_stolen_session_cannot_take_a_number(driver, people):
    process = driver.to_numbering()
    task = _taken(driver, people.clerk, process, "number")

    thief = stolen_session(people.clerk, logged_in_seconds_ago=STALE)
    url = execute_url(task)
    _refused(thief.post(url, {"issued_date": _today()}), url)
    process.refresh_from_db()
    assert process.number == ""
    assert RegisterEntry.objects.count() == 0
    assert not AuditEntry.objects.filter(code="workflows.dispatch.numbered").exists()

    assert reauthenticate(thief, url, people.clerk).status_code == 302
    assert thief.post(url, {"issued_date": _today()}).status_code == 302
    process.refresh_from_db()
    assert process.number and RegisterEntry.objects.count() == 1


def test_stolen_session_cannot_sign_in_two_steps(driver, people, keys, signing_pki):
    process = driver.to_numbering()
    driver.do(people.clerk, process, "number", {"issued_date": _today()})
    key = signing_pki.dev_key("user-giamdoc")  # the dev PKI's copy: the leader's own key is under his PIN
    password = key.password_path.read_bytes().strip()
    private_key, certificate, _chain = pkcs12.load_key_and_certificates(key.p12_path.read_bytes(), password)
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    url = reverse("dispatch:external_sign", args=[process.pk])

    thief = stolen_session(people.leader, logged_in_seconds_ago=STALE)
    _refused(thief.get(url), url)
    _refused(thief.post(url, {"certificate": io.BytesIO(cert_pem)}, format="multipart"), url)
    assert not process.external_signatures.exists()

    # prepared while the proof was fresh, finished after it expired: still refused
    assert reauthenticate(thief, url, people.leader).status_code == 302
    assert thief.post(url, {"certificate": io.BytesIO(cert_pem)}, format="multipart").status_code == 302
    to_sign = process.external_signatures.get().state["data_to_sign"]
    value = base64.b64encode(private_key.sign(base64.b64decode(to_sign), padding.PKCS1v15(), hashes.SHA256()))
    age_proof(thief, STALE)
    _refused(thief.post(url, {"signature": value.decode()}), url)
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).exists()

    assert reauthenticate(thief, url, people.leader).status_code == 302
    assert thief.post(url, {"signature": value.decode()}).status_code == 302
    assert process.revisions.filter(kind=DispatchRevision.Kind.SIGNED).count() == 1


@pytest.mark.parametrize("node", ["number", "sign", "seal"])
def test_the_proof_expires(driver, people, keys, node):
    """A re-authentication is good for VANTHU_REAUTH_SECONDS: just inside it passes, just after it does not."""
    process = driver.to_numbering()
    performer = {"number": people.clerk, "sign": people.leader, "seal": people.clerk}[node]
    if node != "number":
        driver.do(people.clerk, process, "number", {"issued_date": _today()})
    if node == "seal":
        driver.sign(process, people.leader)
    task = _taken(driver, performer, process, node)
    url = execute_url(task)
    age_proof(driver.client, settings.VANTHU_REAUTH_SECONDS - 5)
    assert driver.client.get(url).status_code == 200
    age_proof(driver.client, 10)
    _refused(driver.client.get(url), url)
