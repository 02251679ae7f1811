"""Remote signing (CSC API v1 and v2) end to end against a real CSC server on loopback, and its refusals.

The server is certomancer-csc-dummy (pyHanko author's CSC v1 server over a Certomancer PKI, with that PKI's TSA)
run by `signing.devcsc` as a separate process, with the access rules a provider applies (client-credentials
token, the signer's PIN/OTP, SAD lifetime) and a v2 adapter over the same keys (a test peer: the dummy has no
v2; the adapter refuses v1 names in a v2 call). Outputs are judged by poppler's `pdfsig`, `qpdf --check` and by
our validator. The tests above the v2 section pin v1; the v2 section pins v2 or lets `auto` choose.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request

import pytest

from signing import personal
from signing.errors import (
    AuthorizationRefused,
    CredentialMismatch,
    InvalidInput,
    ProviderUnavailable,
    SadExpired,
    WrongPin,
)
from signing.personal import DocumentToSign
from tests.signing_support import HUY, MINH, CscServer


@pytest.fixture
def provider(settings, remote_provider):
    settings.SIGNING_CSC_API_VERSION = "v1"  # the tests down to the v2 section pin v1
    return remote_provider


@pytest.fixture
def huy(db, provider, django_user_model):
    user = django_user_model.objects.create_user(username="giamdoc", password="mat-khau-dang-nhap")
    credential = personal.enrol_remote_credential(owner=user, user_ref=HUY.user_id, credential_id="csc-dev/huy")
    return user, credential


def _validate(pdf: bytes, root: bytes):
    from signing.services import validate_pdf

    return validate_pdf(pdf, trust_roots=[root], isolated=False)


def test_lists_the_signers_own_credentials(provider, db):
    listed = personal.list_remote_credentials(user_ref=HUY.user_id)

    assert [c.credential_id for c in listed] == ["csc-dev/huy"]
    cred = listed[0]
    assert cred.subject_name == "Nguyễn Quang Huy"
    assert cred.key_algorithm == "RSA 2048"
    assert "sha256_rsa" in cred.algorithms
    assert (cred.auth_mode, cred.needs_pin, cred.needs_otp, cred.scal) == ("explicit", True, False, 2)
    assert [c.needs_otp for c in personal.list_remote_credentials(user_ref=MINH.user_id)] == [True]


def test_remote_bt_signature_end_to_end(huy, pdf2, checked, provider):
    user, credential = huy
    [method] = personal.signing_methods_for(user)
    assert (method.kind, method.needs_pin) == ("remote", True)

    [signed] = personal.sign_batch(
        [DocumentToSign(pdf2, level="B-T", appearance="text", text_lines=["Ký số từ xa", "{time}"])],
        holder=user,
        kind="remote",
        ref=method.ref,
        pin=HUY.pin,
        description="Ký 1 văn bản",
    )

    out = checked(signed, expected_signatures=1)
    assert "Nguyễn Quang Huy" in out
    report = _validate(signed, provider.root_der)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    sig = report.signatures[0]
    assert sig.pades_level == "B-T"
    assert sig.signer_common_name == "Nguyễn Quang Huy"
    assert sig.timestamp_time is not None


def test_batch_is_one_authorisation_for_n_hashes(huy, pdf2, checked, provider):
    from tests.signing_support import sample_pdf

    user, credential = huy
    docs = [
        DocumentToSign(sample_pdf(2, title=f"Cong van so {n}/SKHCN"), level="B-T", appearance="none") for n in (1, 2, 3)
    ]
    before = provider.calls()

    signed = personal.sign_batch(docs, holder=user, kind="remote", ref=str(credential.pk), pin=HUY.pin)

    after = provider.calls()
    assert after["/csc/v1/credentials/authorize"] - before.get("/csc/v1/credentials/authorize", 0) == 1
    assert after["/csc/v1/signatures/signHash"] - before.get("/csc/v1/signatures/signHash", 0) == 1
    assert len(signed) == 3
    for n, pdf in enumerate(signed, start=1):
        assert pdf.startswith(docs[n - 1].pdf)  # each one its own document, in order
        checked(pdf, expected_signatures=1)
        assert _validate(pdf, provider.root_der).indication == "TOTAL_PASSED"


def test_otp_credential_signs_a_batch_with_one_otp(provider, db, django_user_model, pdf2):
    user = django_user_model.objects.create_user(username="phogiamdoc", password="x")
    cred = personal.enrol_remote_credential(owner=user, user_ref=MINH.user_id, credential_id="csc-dev/minh")
    docs = [DocumentToSign(pdf2, level="B-B", appearance="none"), DocumentToSign(pdf2, level="B-B", appearance="none")]

    with pytest.raises(WrongPin):
        personal.sign_batch(docs, holder=user, kind="remote", ref=str(cred.pk))  # no OTP typed
    signed = personal.sign_batch(docs, holder=user, kind="remote", ref=str(cred.pk), otp=MINH.otp)

    assert [_validate(p, provider.root_der).indication for p in signed] == ["TOTAL_PASSED", "TOTAL_PASSED"]


def test_wrong_pin_signs_nothing(huy, pdf2, provider):
    user, credential = huy
    before = provider.calls().get("/csc/v1/signatures/signHash", 0)

    with pytest.raises(WrongPin) as exc:
        personal.sign_batch([DocumentToSign(pdf2)], holder=user, kind="remote", ref=str(credential.pk), pin="00000000")

    assert exc.value.user_message == "Mã PIN/OTP ký số không đúng. Không có văn bản nào được ký."
    assert provider.calls().get("/csc/v1/signatures/signHash", 0) == before


@pytest.fixture(scope="module")
def expiring_server(csc_dir):
    server = CscServer(csc_dir, sad_lifetime=0)  # every SAD has expired when signHash comes
    yield server
    server.stop()


def test_expired_sad_signs_nothing(huy, pdf2, settings, expiring_server):
    user, credential = huy
    settings.SIGNING_CSC_URL = expiring_server.url

    with pytest.raises(SadExpired) as exc:
        personal.sign_batch([DocumentToSign(pdf2)], holder=user, kind="remote", ref=str(credential.pk), pin=HUY.pin)

    assert "hết hạn" in exc.value.user_message
    assert expiring_server.calls()["/csc/v1/signatures/signHash"] == 1  # the provider itself refused it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_or_silent_provider_signs_nothing(huy, pdf2, settings):
    user, credential = huy
    settings.SIGNING_CSC_URL = f"http://127.0.0.1:{_free_port()}"  # nothing listens there

    with pytest.raises(ProviderUnavailable) as exc:
        personal.sign_batch([DocumentToSign(pdf2)], holder=user, kind="remote", ref=str(credential.pk), pin=HUY.pin)
    assert "Không kết nối được" in exc.value.user_message

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
    settings.SIGNING_CSC_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
    settings.SIGNING_CSC_TIMEOUT = 1
    try:
        with pytest.raises(ProviderUnavailable):
            personal.sign_batch([DocumentToSign(pdf2)], holder=user, kind="remote", ref=str(credential.pk), pin=HUY.pin)
    finally:
        for conn in accepted:
            conn.close()
        silent.close()


def test_wrong_client_secret_is_refused(huy, pdf2, settings):
    user, credential = huy
    settings.SIGNING_CSC_CLIENT_SECRET = "not-the-secret"

    with pytest.raises(AuthorizationRefused) as exc:
        personal.sign_batch([DocumentToSign(pdf2)], holder=user, kind="remote", ref=str(credential.pk), pin=HUY.pin)
    assert "quản trị" in exc.value.user_message


def test_a_credential_that_is_not_the_signers(huy, pdf2, provider, django_user_model):
    user, credential = huy
    other = django_user_model.objects.create_user(username="phogiamdoc", password="x")
    before = provider.calls().get("/csc/v1/credentials/authorize", 0)

    # another user cannot sign with Huy's enrolled credential, even knowing his PIN
    with pytest.raises(CredentialMismatch) as exc:
        personal.sign_batch([DocumentToSign(pdf2)], holder=other, kind="remote", ref=str(credential.pk), pin=HUY.pin)
    assert exc.value.user_message == "Chứng thư số từ xa này không thuộc về bạn. Không có văn bản nào được ký."
    assert provider.calls().get("/csc/v1/credentials/authorize", 0) == before
    # nor enrol it: under his own provider account it is not listed, and it is already Huy's
    with pytest.raises(CredentialMismatch):
        personal.enrol_remote_credential(owner=other, user_ref=MINH.user_id, credential_id="csc-dev/huy")
    with pytest.raises(CredentialMismatch):
        personal.enrol_remote_credential(owner=other, user_ref=HUY.user_id, credential_id="csc-dev/huy")


def test_batch_larger_than_the_credential_allows_is_refused_before_signing(huy, pdf2, provider):
    user, credential = huy
    before = provider.calls().get("/csc/v1/credentials/authorize", 0)

    with pytest.raises(InvalidInput) as exc:
        personal.sign_batch(
            [DocumentToSign(pdf2, level="B-B")] * 51, holder=user, kind="remote", ref=str(credential.pk), pin=HUY.pin
        )
    assert "tối đa 50" in exc.value.user_message
    assert provider.calls().get("/csc/v1/credentials/authorize", 0) == before


def test_an_unreadable_document_stops_the_batch_before_the_provider(huy, pdf2, provider):
    user, credential = huy
    before = provider.calls().get("/csc/v1/credentials/authorize", 0)

    with pytest.raises(InvalidInput):
        personal.sign_batch(
            [DocumentToSign(pdf2), DocumentToSign(b"not a pdf")],
            holder=user,
            kind="remote",
            ref=str(credential.pk),
            pin=HUY.pin,
        )
    assert provider.calls().get("/csc/v1/credentials/authorize", 0) == before


# --- CSC API v2 -------------------------------------------------------------------------------------------------
V2 = "/csc/v2/"


@pytest.fixture
def provider_v2(provider, settings):
    settings.SIGNING_CSC_API_VERSION = "v2"
    return provider


@pytest.fixture
def huy_v2(provider_v2, huy):
    """Huy enrolled through v2 (provider_v2 comes first, so enrolment already speaks v2)."""
    return huy


def _v2_calls(server, endpoint: str) -> int:
    return server.calls().get(V2 + endpoint, 0)


def test_v2_lists_the_signers_credentials_with_their_info_in_one_call(provider_v2, db):
    before = provider_v2.calls()

    [cred] = personal.list_remote_credentials(user_ref=HUY.user_id)

    after = provider_v2.calls()
    assert after[V2 + "credentials/list"] - before.get(V2 + "credentials/list", 0) == 1
    assert after.get(V2 + "credentials/info", 0) == before.get(V2 + "credentials/info", 0)  # credentialInfo=true
    assert not any(after.get(k, 0) - before.get(k, 0) for k in after if k.startswith("/csc/v1/"))
    assert (cred.credential_id, cred.subject_name, cred.key_algorithm) == (
        "csc-dev/huy",
        "Nguyễn Quang Huy",
        "RSA 2048",
    )
    assert (cred.auth_mode, cred.needs_pin, cred.needs_otp, cred.scal, cred.multisign) == (
        "explicit",
        True,
        False,
        2,
        50,
    )
    [minh] = personal.list_remote_credentials(user_ref=MINH.user_id)
    assert (minh.needs_pin, minh.needs_otp) == (False, True)


def test_v2_bt_signature_end_to_end(huy_v2, pdf2, checked, provider_v2):
    user, credential = huy_v2
    [method] = personal.signing_methods_for(user)
    before = provider_v2.calls()

    [signed] = personal.sign_batch(
        [DocumentToSign(pdf2, level="B-T", appearance="text", text_lines=["Ký số từ xa (CSC v2)", "{time}"])],
        holder=user,
        kind="remote",
        ref=method.ref,
        pin=HUY.pin,
        description="Ký 1 văn bản",
    )

    after = provider_v2.calls()
    for endpoint in ("credentials/info", "credentials/authorize", "signatures/signHash"):
        assert after[V2 + endpoint] - before.get(V2 + endpoint, 0) == 1, endpoint
    assert not any(after.get(k, 0) - before.get(k, 0) for k in after if k.startswith("/csc/v1/"))
    out = checked(signed, expected_signatures=1)  # pdfsig: "Signature is Valid", qpdf --check clean
    assert "Nguyễn Quang Huy" in out
    report = _validate(signed, provider_v2.root_der)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    sig = report.signatures[0]
    assert (sig.pades_level, sig.signer_common_name) == ("B-T", "Nguyễn Quang Huy")
    assert sig.timestamp_time is not None


def test_v2_batch_is_one_authorisation_and_one_otp(provider_v2, db, django_user_model, pdf2):
    user = django_user_model.objects.create_user(username="phogiamdoc", password="x")
    cred = personal.enrol_remote_credential(owner=user, user_ref=MINH.user_id, credential_id="csc-dev/minh")
    docs = [DocumentToSign(pdf2, level="B-B", appearance="none") for _ in range(3)]
    before = provider_v2.calls()

    signed = personal.sign_batch(docs, holder=user, kind="remote", ref=str(cred.pk), otp=MINH.otp)

    after = provider_v2.calls()
    assert after[V2 + "credentials/authorize"] - before.get(V2 + "credentials/authorize", 0) == 1
    assert after[V2 + "signatures/signHash"] - before.get(V2 + "signatures/signHash", 0) == 1
    assert [_validate(p, provider_v2.root_der).indication for p in signed] == ["TOTAL_PASSED"] * 3


@pytest.mark.parametrize(("pin", "otp_user"), [("00000000", False), ("", True)])
def test_v2_wrong_pin_or_otp_signs_nothing(provider_v2, db, django_user_model, pdf2, pin, otp_user):
    user = django_user_model.objects.create_user(username="giamdoc", password="x")
    account = MINH if otp_user else HUY
    cred = personal.enrol_remote_credential(
        owner=user, user_ref=account.user_id, credential_id=f"csc-dev/{account.credentials[0]}"
    )
    before = _v2_calls(provider_v2, "signatures/signHash")
    authorize_before = _v2_calls(provider_v2, "credentials/authorize")

    with pytest.raises(WrongPin) as exc:
        personal.sign_batch(
            [DocumentToSign(pdf2)],
            holder=user,
            kind="remote",
            ref=str(cred.pk),
            pin=pin,
            otp="000000" if otp_user else "",
        )

    assert exc.value.user_message == "Mã PIN/OTP ký số không đúng. Không có văn bản nào được ký."
    assert _v2_calls(provider_v2, "credentials/authorize") == authorize_before + 1  # the provider refused it
    assert _v2_calls(provider_v2, "signatures/signHash") == before


@pytest.fixture(scope="module")
def v1_only_server(csc_dir):
    server = CscServer(csc_dir, api="v1")
    yield server
    server.stop()


def test_auto_speaks_v2_when_the_provider_offers_it_else_v1(provider, settings, v1_only_server, db):
    settings.SIGNING_CSC_API_VERSION = "auto"
    before = provider.calls()
    assert [c.credential_id for c in personal.list_remote_credentials(user_ref=HUY.user_id)] == ["csc-dev/huy"]
    after = provider.calls()
    assert after[V2 + "credentials/list"] - before.get(V2 + "credentials/list", 0) == 1
    assert after.get("/csc/v1/credentials/list", 0) == before.get("/csc/v1/credentials/list", 0)

    settings.SIGNING_CSC_URL = v1_only_server.url
    assert [c.credential_id for c in personal.list_remote_credentials(user_ref=HUY.user_id)] == ["csc-dev/huy"]
    calls = v1_only_server.calls()
    assert (calls["/csc/v2/info"], calls["/csc/v1/credentials/list"]) == (1, 1)  # asked for v2, answered in v1
    assert V2 + "credentials/list" not in calls


def test_v2_server_refuses_a_v1_request(provider):
    """The adapter is strict, so the v2 tests above prove the client sends v2 names."""
    request = urllib.request.Request(
        f"{provider.url}/csc/v2/credentials/authorize",
        data=json.dumps({"credentialID": "csc-dev/huy", "numSignatures": 1, "hash": ["AA=="]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=10)
    assert exc.value.code == 400
    assert "CSC v2 request expected" in json.load(exc.value)["error_description"]
