"""A development PKCS#11 token (SoftHSM2) holding a key and its certificate: the demo's organisation seal.

SoftHSM2 reads its configuration from `SOFTHSM2_CONF` once, when the module is first loaded in a process, so the
settings set that variable (`config.settings.dev` / `test`) and every token of a process lives in that one
directory. `ensure_token` is idempotent: an existing token with the label is left as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["MODULE", "ensure_token", "write_config"]

MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def write_config(directory: Path | str) -> Path:
    """Write `softhsm2.conf` with its token directory under `directory`; returns the file."""
    base = Path(directory)
    (base / "tokens").mkdir(parents=True, exist_ok=True)
    conf = base / "softhsm2.conf"
    if not conf.exists():
        conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    return conf


def _token_exists(label: str) -> bool:
    import pkcs11

    lib = pkcs11.lib(MODULE)
    return any(token.label == label for token in lib.get_tokens())


def ensure_token(
    *, label: str, pin: str, so_pin: str, key_label: str, key_id: bytes, private_key_der: bytes, certificate_der: bytes
) -> None:
    """A token `label` (in `$SOFTHSM2_CONF`'s directory) with the RSA key (PKCS#8 DER) and its certificate."""
    import pkcs11
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key

    if not os.environ.get("SOFTHSM2_CONF"):
        raise RuntimeError("SOFTHSM2_CONF is not set")
    if shutil.which("softhsm2-util") is None:
        raise RuntimeError("softhsm2-util is missing (Debian package softhsm2)")
    if _token_exists(label):
        return
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
        check=True,
        capture_output=True,
    )
    key = serialization.load_der_private_key(private_key_der, password=None)
    pkcs1 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    lib = pkcs11.lib(MODULE)
    lib.reinitialize()  # the token list was read before the token existed
    token = lib.get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        attrs = decode_rsa_private_key(pkcs1)
        attrs.update(
            {
                Attribute.TOKEN: True,
                Attribute.LABEL: key_label,
                Attribute.ID: key_id,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
            }
        )
        session.create_object(attrs)
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: key_label,
                Attribute.ID: key_id,
                Attribute.VALUE: certificate_der,
                Attribute.SUBJECT: x509.load_der_x509_certificate(certificate_der).subject.public_bytes(),
            }
        )
