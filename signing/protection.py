"""Personal keys the server holds but cannot use: a PKCS#12 encrypted under its holder's signing PIN.

Sole control (Luật Giao dịch điện tử 2023, Art. 22): the key is wrapped with AES-256-GCM under a key derived from
the PIN by Argon2id (64 MiB, 3 passes: memory-hard, ~0.1 s here, so guessing is slow even with the database in
hand). The PIN is never stored. The envelope's associated data binds it to its key record, its owner and its
certificate: moving it to another record or another owner makes it undecryptable. Nobody — an administrator
included — can set or reset the PIN; the only way back from a forgotten PIN is a new enrolment by the holder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from signing.errors import InvalidInput, KeyUnavailable, WrongPin

__all__ = ["MIN_PIN_LENGTH", "binding", "check_pin_policy", "unwrap", "wrap"]

MIN_PIN_LENGTH = 8
KDF = {"name": "argon2id", "memory_kib": 65536, "iterations": 3, "lanes": 1}


def binding(*, key_id: str, owner_id: int | None, certificate_der: bytes) -> bytes:
    """The associated data an envelope is sealed to."""
    return f"vanthu-key/1|{key_id}|{owner_id or ''}|{hashlib.sha256(certificate_der).hexdigest()}".encode()


def check_pin_policy(pin: str) -> None:
    if len(pin or "") < MIN_PIN_LENGTH:
        raise InvalidInput(
            "signing PIN too short",
            user_message=f"PIN ký phải có ít nhất {MIN_PIN_LENGTH} ký tự.",
        )
    if len(set(pin)) < 3:
        raise InvalidInput(
            "signing PIN too simple", user_message="PIN ký quá đơn giản (cần ít nhất 3 ký tự khác nhau)."
        )


def _derive(pin: str, salt: bytes, kdf: dict) -> bytes:
    if kdf.get("name") != "argon2id":
        raise KeyUnavailable(f"unknown key-derivation function {kdf.get('name')!r}")
    return Argon2id(
        salt=salt,
        length=32,
        iterations=int(kdf["iterations"]),
        lanes=int(kdf["lanes"]),
        memory_cost=int(kdf["memory_kib"]),
    ).derive(pin.encode("utf-8"))


def wrap(secret: bytes, *, pin: str, aad: bytes) -> bytes:
    """The envelope (JSON bytes) holding `secret` under `pin`."""
    check_pin_policy(pin)
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_derive(pin, salt, KDF)).encrypt(nonce, secret, aad)
    envelope = {
        "v": 1,
        "kdf": KDF,
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    return json.dumps(envelope, sort_keys=True).encode()


def unwrap(envelope: bytes, *, pin: str, aad: bytes) -> bytes:
    """The secret, or `WrongPin` (wrong PIN, or an envelope moved to another record or owner)."""
    if not envelope:
        raise KeyUnavailable("no protected key", user_message="Khóa ký cá nhân chưa được đăng ký (chưa đặt PIN ký).")
    if not pin:
        raise WrongPin("no PIN given", user_message="Cần nhập PIN ký để dùng khóa ký cá nhân.")
    try:
        data = json.loads(bytes(envelope))
        salt = base64.b64decode(data["salt"])
        nonce = base64.b64decode(data["nonce"])
        sealed = base64.b64decode(data["ciphertext"])
        kdf = data["kdf"]
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyUnavailable(f"unreadable key envelope: {type(exc).__name__}") from exc
    try:
        return AESGCM(_derive(pin, salt, kdf)).decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise WrongPin("the PIN does not open this key (or the key record was altered)") from None
