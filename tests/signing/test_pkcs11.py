"""PKCS#11 keys against a real SoftHSM2 token initialised in a temp dir for this session."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from signing import services
from signing.errors import KeyUnavailable
from signing.models import SigningKey

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("softhsm2-util"), reason="needs softhsm2 (scripts/ensure_system_deps.sh test)"),
]
MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN, PIN = "vanthu-test", "246810"


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory, signing_pki, dev_p12):
    """A SoftHSM2 token holding the dev key `user-phogiamdoc` (key + certificate, id 01)."""
    from signing import devhsm

    base = tmp_path_factory.mktemp("softhsm")
    # the session's token directory (config.settings.test sets SOFTHSM2_CONF; SoftHSM reads it once per process)
    devhsm.write_config(os.path.dirname(os.environ["SOFTHSM2_CONF"]))
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "13579"],
        check=True,
        capture_output=True,
    )
    p12, password = dev_p12("user-phogiamdoc")
    key, cert, _chain = pkcs12.load_key_and_certificates(p12, password)
    (base / "key.der").write_bytes(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (base / "cert.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    for kind, path in (("privkey", base / "key.der"), ("cert", base / "cert.der")):
        subprocess.run(
            [
                "pkcs11-tool",
                "--module",
                MODULE,
                "--token-label",
                TOKEN,
                "--login",
                "--pin",
                PIN,
                "--write-object",
                str(path),
                "--type",
                kind,
                "--id",
                "01",
                "--label",
                "leader",
            ],
            check=True,
            capture_output=True,
        )
    (base / "key.der").unlink()  # the key now lives only in the token
    import pkcs11

    from signing.keys import close_pkcs11_sessions

    close_pkcs11_sessions()
    pkcs11.lib(MODULE).reinitialize()  # a module loaded earlier in this process re-reads its tokens
    return base


def _record(pin_env: str) -> SigningKey:
    return SigningKey.objects.create(
        key_id=f"hsm-{pin_env.lower()}",
        kind=SigningKey.Kind.PKCS11,
        pkcs11_module=MODULE,
        pkcs11_token_label=TOKEN,
        pkcs11_key_label="leader",
        pkcs11_key_id="01",
        pkcs11_pin_env=pin_env,
    )


def test_sign_with_softhsm_token(softhsm_token, pdf2, checked, monkeypatch):
    monkeypatch.setenv("VANTHU_TEST_HSM_PIN", PIN)
    record = _record("VANTHU_TEST_HSM_PIN")

    signed = services.sign_pdf(pdf2, key_id=record.key_id, level="B-T", appearance="text")

    checked(signed, expected_signatures=1)
    report = services.validate_pdf(signed)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    assert report.signatures[0].signer_common_name == "Hoàng Văn Minh"


def test_wrong_pin_or_missing_token_is_key_unavailable(softhsm_token, pdf2, monkeypatch):
    monkeypatch.setenv("VANTHU_TEST_BAD_PIN", "000000")
    with pytest.raises(KeyUnavailable) as exc:
        services.sign_pdf(pdf2, key_id=_record("VANTHU_TEST_BAD_PIN").key_id, level="B-B", appearance="none")
    assert "PIN" in exc.value.user_message
    missing = _record("VANTHU_TEST_UNSET_PIN")
    with pytest.raises(KeyUnavailable):
        services.sign_pdf(pdf2, key_id=missing.key_id, level="B-B", appearance="none")


def test_a_personal_token_opens_only_with_the_pin_its_holder_types(softhsm_token, pdf2, checked, django_user_model):
    from signing import personal
    from signing.errors import WrongPin
    from signing.keys import close_pkcs11_sessions
    from signing.personal import DocumentToSign

    # PKCS#11 login is per process and token: the earlier tests' shared session (PIN from the environment) would
    # leave this token logged in. A personal token is never a token the server also opens for itself.
    close_pkcs11_sessions()
    holder = django_user_model.objects.create_user(username="phogiamdoc", password="x")
    record = SigningKey.objects.create(
        key_id="token-phogiamdoc",
        owner=holder,
        kind=SigningKey.Kind.PKCS11,
        pkcs11_module=MODULE,
        pkcs11_token_label=TOKEN,
        pkcs11_key_label="leader",
        pkcs11_key_id="01",
    )
    assert record.needs_holder_secret
    [method] = personal.signing_methods_for(holder)
    assert (method.kind, method.ref) == ("token", "token-phogiamdoc")
    doc = DocumentToSign(pdf2, level="B-B", appearance="none")

    for pin in ("", "999999"):
        with pytest.raises(WrongPin):
            personal.sign_batch([doc], holder=holder, kind="token", ref=record.key_id, pin=pin)
    [signed] = personal.sign_batch([doc], holder=holder, kind="token", ref=record.key_id, pin=PIN)
    checked(signed, expected_signatures=1)
    # the holder's session is not kept: the next call without the PIN is refused again
    with pytest.raises(WrongPin):
        personal.sign_batch([doc], holder=holder, kind="token", ref=record.key_id, pin="")
