"""The organisation's seal: a key in a PKCS#11 token (SoftHSM2 here), sealed only after the clerk's re-authentication."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings

from core.reauth import SESSION_KEY
from signing.demo import SEAL_TOKEN_KEY_ID, init_pki
from signing.keys import close_pkcs11_sessions
from signing.models import SigningKey
from signing.services import validate_pdf
from workflows.dispatch.models import DispatchRevision

from .conftest import _today, execute_url, open_task

pytestmark = pytest.mark.skipif(not shutil.which("softhsm2-util"), reason="needs softhsm2")


@pytest.fixture
def seal_in_token(settings, keys):
    close_pkcs11_sessions()  # a token created now is seen after the module re-reads its tokens
    settings.SIGNING_DEV_SEAL_TOKEN = True
    settings.VANTHU_DISPATCH_SEAL_KEY = SEAL_TOKEN_KEY_ID
    init_pki()
    yield SigningKey.objects.get(key_id=SEAL_TOKEN_KEY_ID)
    close_pkcs11_sessions()


def test_the_seal_is_made_in_the_token_after_the_clerks_reauthentication(driver, people, seal_in_token):
    record = seal_in_token
    assert (record.kind, record.pkcs11_token_label, record.owner) == (SigningKey.Kind.PKCS11, "vanthu-seal", None)
    assert not record.needs_holder_secret  # the token's PIN is the service's secret file, never in the database
    process = driver.to_numbering()
    assert driver.do(people.clerk, process, "number", {"issued_date": _today()}).status_code == 302
    assert driver.sign(process, people.leader).status_code == 302
    driver.as_(people.clerk)
    assert driver.take(process, "seal").status_code == 302
    url = execute_url(open_task(process, "seal"))

    # a session whose proof of identity is stale cannot seal: it is sent to re-authenticate, nothing is sealed
    session = driver.client.session
    proof = session[SESSION_KEY]
    proof["at"] -= settings.VANTHU_REAUTH_SECONDS + 60
    session[SESSION_KEY] = proof
    session.save()
    response = driver.client.post(url, {})
    assert response.status_code == 302 and "next=" in response["Location"]
    assert not process.revisions.filter(kind=DispatchRevision.Kind.SEALED).exists()

    assert driver.do(people.clerk, process, "seal").status_code == 302  # a fresh login is a fresh proof
    sealed = process.latest_revision(DispatchRevision.Kind.SEALED).pdf.read()
    report = validate_pdf(sealed, isolated=False)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert len(report.signatures) == 2
    assert report.signatures[1].signer_common_name == settings.SIGNING_DEV_AGENCY_NAME
