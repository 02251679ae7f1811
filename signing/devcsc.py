"""A development remote-signing provider: `certomancer-csc-dummy` on loopback, with the access rules it lacks.

certomancer-csc-dummy (by pyHanko's author) is a real CSC API v1 server over a Certomancer PKI, but it
authenticates nothing: every key in its PKI signs for anyone. This module runs it with the rules a real provider
applies, so that the client side (`signing.csc`) meets them for real:

- the relying party (this application) gets a service token at `/oauth2/token` (OAuth 2.0 client credentials);
  every `/csc/v1/*` call needs it;
- `credentials/list` answers per signer (`userID`), with only that signer's credentials;
- `credentials/info` says the credential is in `explicit` authorisation mode with a PIN and/or an OTP;
- `credentials/authorize` checks the signer's PIN/OTP (`invalid_pin` / `invalid_otp`), and the SAD it issues
  lives `sad_lifetime` seconds (`signatures/signHash` refuses it afterwards);
- the PKI's time-stamping authority answers RFC 3161 requests at `/pki/<arch>/tsa/<label>`.

Development and tests only (the keys are on disk next to their configuration). Run it as a process:

    python -m signing.devcsc DIRECTORY [--port 0]      # prints "READY <base url>" when it listens

`ensure(DIRECTORY, accounts=...)` writes the PKI (keys, certomancer YAML) and `accounts.json` once.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ARCH", "DevAccount", "ensure", "main"]

ARCH = "csc-dev"
TSA_LABEL = "tsa"
ROOT_NAME = "vanthu Dev Remote Signing Root"
CA_NAME = "vanthu Dev Remote Signing CA"


@dataclass(frozen=True)
class DevAccount:
    """One signer at the provider: their id there (e.g. CCCD number), their certificates and secrets."""

    user_id: str
    common_name: str
    credentials: tuple[str, ...]  # certificate labels in the PKI; credential id = "<ARCH>/<label>"
    pin: str = ""
    otp: str = ""
    organisation: str = ""
    uid: str = ""  # subject UID, e.g. "CCCD:001085001234"
    extra: dict = field(default_factory=dict)


def _write_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if path.exists():
        return
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def _validity(years: int) -> dict:
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return {
        "valid-from": start.isoformat(),
        "valid-to": start.replace(year=start.year + years).isoformat(),
    }


def _config(accounts: list[DevAccount]) -> dict:
    keys = {"root": {"path": "root.key.pem"}, "ca": {"path": "ca.key.pem"}, TSA_LABEL: {"path": "tsa.key.pem"}}
    entities: dict = {
        "root": {"common-name": ROOT_NAME},
        "ca": {"common-name": CA_NAME},
        TSA_LABEL: {"common-name": "vanthu Dev Remote Signing TSA"},
    }
    ca_ext = [
        {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
        {
            "id": "key_usage",
            "critical": True,
            "smart-value": {"schema": "key-usage", "params": ["digital_signature", "key_cert_sign", "crl_sign"]},
        },
    ]
    certs: dict = {
        "root": {"subject": "root", "issuer": "root", "validity": _validity(30), "extensions": ca_ext},
        "ca": {"subject": "ca", "issuer": "root", "validity": _validity(20), "extensions": ca_ext},
        TSA_LABEL: {
            "subject": TSA_LABEL,
            "issuer": "root",
            "validity": _validity(20),
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                },
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
            ],
        },
    }
    for account in accounts:
        for label in account.credentials:
            keys[label] = {"path": f"{label}.key.pem"}
            name = {"common-name": account.common_name}
            if account.organisation:
                name["organization-name"] = account.organisation
            if account.uid:
                name["user-id"] = account.uid
            entities[label] = name
            certs[label] = {
                "subject": label,
                "subject-key": label,
                "issuer": "ca",
                "validity": _validity(10),
                "extensions": [
                    {
                        "id": "key_usage",
                        "critical": True,
                        "smart-value": {"schema": "key-usage", "params": ["digital_signature", "non_repudiation"]},
                    }
                ],
            }
    return {
        "external-url-prefix": "http://127.0.0.1",
        "keysets": {ARCH: {"path-prefix": "keys", "keys": keys}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN"},
                "entities": entities,
                "certs": certs,
                "services": {"time-stamping": {TSA_LABEL: {"signing-key": TSA_LABEL, "signing-cert": TSA_LABEL}}},
            }
        },
    }


def ensure(
    directory: Path | str,
    *,
    accounts: list[DevAccount],
    client_id: str = "vanthu-dev",
    client_secret: str = "",
    sad_lifetime: int = 300,
) -> Path:
    """Write the provider's PKI and accounts into `directory` (keys kept when present); returns the directory."""
    import yaml

    base = Path(directory)
    (base / "keys").mkdir(parents=True, exist_ok=True)
    labels = ["root", "ca", TSA_LABEL] + [label for a in accounts for label in a.credentials]
    for label in labels:
        _write_key(base / "keys" / f"{label}.key.pem")
    (base / "certomancer.yml").write_text(yaml.safe_dump(_config(accounts), allow_unicode=True))
    state = {
        "client_id": client_id,
        "client_secret": client_secret or secrets.token_urlsafe(24),
        "sad_lifetime": sad_lifetime,
        "users": {
            a.user_id: {"credentials": [f"{ARCH}/{c}" for c in a.credentials], "pin": a.pin, "otp": a.otp}
            for a in accounts
        },
    }
    accounts_path = base / "accounts.json"
    accounts_path.write_text(json.dumps(state, ensure_ascii=False, indent=1))
    accounts_path.chmod(0o600)
    return base


def root_certificate_der(directory: Path | str) -> bytes:
    """The provider PKI's root (to trust it while validating what it signed)."""
    return _certomancer(Path(directory)).get_pki_arch(_label(ARCH)).get_cert(_cert_label("root")).dump()


def _label(value: str):
    from certomancer.registry import ArchLabel

    return ArchLabel(value)


def _cert_label(value: str):
    from certomancer.registry import CertLabel

    return CertLabel(value)


def _certomancer(base: Path):
    from certomancer import registry

    return registry.CertomancerConfig.from_file(str(base / "certomancer.yml"), key_search_dir=str(base))


def _error(status: int, error: str, description: str):
    from aiohttp import web

    return web.json_response({"error": error, "error_description": description}, status=status)


def build_app(directory: Path | str, *, sad_lifetime: int | None = None):
    """The aiohttp application: the dummy's CSC routes behind the access rules, and the PKI's TSA.

    `GET /_dev/calls` counts the calls per endpoint (tests check that a batch is one authorisation)."""
    from aiohttp import web
    from certomancer.integrations.aiohttp_animator import build_animator_app
    from csc_dummy.csc_dummy_server import CSCWithCertomancer, DummyServiceParams, GeneralServiceInfo

    base = Path(directory)
    state = json.loads((base / "accounts.json").read_text())
    config = _certomancer(base)
    lifetime = int(state["sad_lifetime"] if sad_lifetime is None else sad_lifetime)
    calls: dict[str, int] = {}
    owner_of = {cred: uid for uid, user in state["users"].items() for cred in user["credentials"]}
    tokens: set[str] = set()
    sads: dict[str, float] = {}  # SAD -> expiry (monotonic clock)

    dummy = CSCWithCertomancer(
        config,
        svc_info=GeneralServiceInfo(name="vanthu dev CSC", region_code="VN", lang_code="vi"),
        service_params=DummyServiceParams(hash_pinning_required=True, multisign=50),
    )
    dummy.register_routes()
    app = dummy.app

    async def token(request: web.Request):
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "Only client_credentials is supported")
        ok_id = secrets.compare_digest(str(form.get("client_id", "")), state["client_id"])
        ok_secret = secrets.compare_digest(str(form.get("client_secret", "")), state["client_secret"])
        if not (ok_id and ok_secret):
            return _error(401, "invalid_client", "Invalid client credentials")
        value = secrets.token_urlsafe(24)
        tokens.add(value)
        return web.json_response({"access_token": value, "token_type": "Bearer", "expires_in": 3600})

    async def call_counts(request: web.Request):
        return web.json_response(calls)

    app.router.add_post("/oauth2/token", token)
    app.router.add_get("/_dev/calls", call_counts)

    @web.middleware
    async def access_rules(request: web.Request, handler):
        path = request.path
        calls[path] = calls.get(path, 0) + 1
        if not path.startswith("/csc/v1/") or path == "/csc/v1/info":
            return await handler(request)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in tokens:
            return _error(401, "invalid_token", "The access token is not valid")
        body = await request.json()
        credential = str(body.get("credentialID", ""))
        if path == "/csc/v1/credentials/list":
            # the dummy lists every certificate of its PKI to anyone; a provider lists the signer's own
            user = state["users"].get(str(body.get("userID", "")))
            if user is None:
                return _error(400, "invalid_request", "Invalid parameter userID")
            return web.json_response({"credentialIDs": list(user["credentials"])})
        if path == "/csc/v1/credentials/authorize":
            user = state["users"].get(owner_of.get(credential, ""))
            if user is None:
                return _error(400, "invalid_request", "Invalid parameter credentialID")
            if user["pin"] and not secrets.compare_digest(str(body.get("PIN", "")), user["pin"]):
                return _error(400, "invalid_pin", "The PIN is invalid")
            if user["otp"] and not secrets.compare_digest(str(body.get("OTP", "")), user["otp"]):
                return _error(400, "invalid_otp", "The OTP is invalid")
            response = await handler(request)
            payload = json.loads(response.body)
            sads[payload["SAD"]] = time.monotonic() + lifetime
            payload["expiresIn"] = lifetime
            return web.json_response(payload)
        if path == "/csc/v1/signatures/signHash":
            expiry = sads.get(str(body.get("SAD", "")))
            if expiry is None:
                return _error(400, "invalid_request", "Invalid SAD")
            if time.monotonic() >= expiry:
                return _error(400, "invalid_request", "SAD expired")
            sads.pop(str(body["SAD"]), None)  # one use
            return await handler(request)
        response = await handler(request)
        if path == "/csc/v1/credentials/info" and response.status == 200:
            payload = json.loads(response.body)
            user = state["users"].get(owner_of.get(credential, ""), {})
            payload["authMode"] = "explicit"
            payload["PIN"] = {"presence": "true" if user.get("pin") else "false", "format": "N", "label": "PIN"}
            payload["OTP"] = {"presence": "true" if user.get("otp") else "false", "type": "offline"}
            return web.json_response(payload)
        return response

    app.middlewares.append(access_rules)
    app.add_subapp("/pki/", build_animator_app(config.pki_archs, with_web_ui=False, allow_time_override=False))
    return app


async def _serve(directory: Path, host: str, port: int, sad_lifetime: int | None) -> None:
    from aiohttp import web

    runner = web.AppRunner(build_app(directory, sad_lifetime=sad_lifetime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()  # noqa: SLF001 - the port chosen for port 0
    print(f"READY http://{host}:{bound[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    parent = os.getppid()

    async def orphaned() -> None:  # the test run or demo that started it is gone: stop too
        while os.getppid() == parent:
            await asyncio.sleep(1)
        stop.set()

    watchdog = asyncio.create_task(orphaned())
    await stop.wait()
    watchdog.cancel()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Development CSC remote-signing provider (loopback only).")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sad-lifetime", type=int, default=None, help="seconds (default: from accounts.json)")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("the development CSC provider listens on loopback only")
    asyncio.run(_serve(args.directory, args.host, args.port, args.sad_lifetime))


def tsa_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/pki/{ARCH}/tsa/{TSA_LABEL}"


if __name__ == "__main__":
    main()
