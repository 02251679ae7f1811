"""A development remote-signing provider: `certomancer-csc-dummy` on loopback, with the access rules it lacks.

certomancer-csc-dummy (by pyHanko's author) is a real CSC API v1 server over a Certomancer PKI, but it
authenticates nothing: every key in its PKI signs for anyone, and it speaks no v2. This module runs it with the
rules a real provider applies, so that the client side (`signing.csc`) meets them for real:

- the relying party (this application) gets a service token at `/oauth2/token` (OAuth 2.0 client credentials);
  every `/csc/v1/*` and `/csc/v2/*` call but `info` needs it;
- CSC API v2 (`/csc/v2/...`, v2.0.0.2 names: `hashes`, `hashAlgorithmOID`, `authData`, `auth.objects`,
  `credentials/list` with `credentialInfo`) as a thin adapter over the same dummy and keys — a test peer written
  here, not certomancer's (`--api v1`, `--api v2` or both, the default);
- `credentials/list` answers per signer (`userID`), with only that signer's credentials;
- `credentials/info` says the credential is in `explicit` authorisation mode with a PIN and/or an OTP;
- `credentials/authorize` checks the signer's PIN/OTP (`invalid_pin` / `invalid_otp`), and the SAD it issues
  lives `sad_lifetime` seconds (`signatures/signHash` refuses it afterwards);
- the PKI's time-stamping authority answers RFC 3161 requests at `/pki/<arch>/tsa/<label>`.

Development and tests only (the keys are on disk next to their configuration). Run it as a process:

    python -m signing.devcsc DIRECTORY [--port 0] [--api v1,v2]   # prints "READY <base url>" when it listens

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


class _Body:
    """What the dummy's handlers read from a request (only `await request.json()`): a body we already hold."""

    def __init__(self, body: dict):
        self.body = body

    async def json(self) -> dict:
        return self.body


V2_SPECS = "2.0.0.2"
V2_METHODS = ["credentials/list", "credentials/info", "credentials/authorize", "signatures/signHash"]
_V1_ONLY = {  # v1 field names a v2 request must not carry (the client must really speak v2)
    "credentials/authorize": ("hash", "PIN", "OTP"),
    "signatures/signHash": ("hash", "hashAlgo"),
}


def _v2_to_v1_request(endpoint: str, body: dict):
    """The v2 request as the v1 dummy reads it, or an error response for a v1 field name in a v2 call."""
    for name in _V1_ONLY.get(endpoint, ()):
        if name in body:
            return _error(400, "invalid_request", f"Invalid parameter {name} (CSC v2 request expected)")
    v1 = dict(body)
    if endpoint in ("credentials/authorize", "signatures/signHash") and "hashes" in v1:
        v1["hash"] = v1.pop("hashes")
    if endpoint == "signatures/signHash":
        if v1.get("operationMode", "S") != "S":
            return _error(400, "invalid_request", "Only synchronous operationMode S is supported")
        if "hashAlgorithmOID" in v1:
            v1["hashAlgo"] = v1.pop("hashAlgorithmOID")
    if endpoint == "credentials/authorize":
        for item in v1.pop("authData", None) or []:
            if isinstance(item, dict) and item.get("id") in ("PIN", "OTP"):
                v1[str(item["id"])] = item.get("value", "")
    return v1


def _v2_credential_info(v1: dict, user: dict) -> dict:
    """A v1 `credentials/info` answer in v2 form (`auth: {mode, expression, objects}`)."""
    objects = []
    if user.get("pin"):
        objects.append({"type": "Password", "id": "PIN", "format": "N", "label": "PIN"})
    if user.get("otp"):
        objects.append({"type": "Password", "id": "OTP", "format": "N", "generator": "totp", "label": "OTP"})
    info = {k: v for k, v in v1.items() if k not in ("authMode", "PIN", "OTP")}
    info["auth"] = {"mode": "explicit", "expression": " AND ".join(o["id"] for o in objects), "objects": objects}
    return info


def build_app(directory: Path | str, *, sad_lifetime: int | None = None, api_versions: tuple[str, ...] = ("v1", "v2")):
    """The aiohttp application: the dummy's CSC API behind the access rules, and the PKI's TSA.

    certomancer-csc-dummy speaks CSC v1 only. `/csc/v2/*` is a thin adapter written here over the same dummy and
    the same keys (a test peer, not a provider): v2 requests are renamed to v1 before the dummy sees them and the
    answers renamed back; a v2 call carrying v1 names is refused. `api_versions` says which versions are served.
    `GET /_dev/calls` counts the calls per path (tests check that a batch is one authorisation)."""
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
    handlers = {
        "info": dummy.info,
        "credentials/list": dummy.credentials_list,
        "credentials/info": dummy.credentials_info,
        "credentials/authorize": dummy.credentials_authorize,
        "signatures/signHash": dummy.signatures_sign_hash,
    }
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

    async def dummy_answer(endpoint: str, body: dict) -> tuple[int, dict]:
        try:
            response = await handlers[endpoint](_Body(body))
        except web.HTTPException as exc:
            return exc.status, {"error": "invalid_request", "error_description": exc.reason}
        return response.status, json.loads(response.body)

    async def v1_rules(endpoint: str, body: dict, request: web.Request):
        """The access rules over the v1 dummy; returns (status, payload) or an error response."""
        if endpoint == "info":
            return await dummy_answer(endpoint, body)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in tokens:
            return _error(401, "invalid_token", "The access token is not valid")
        credential = str(body.get("credentialID", ""))
        if endpoint == "credentials/list":
            # the dummy lists every certificate of its PKI to anyone; a provider lists the signer's own
            user = state["users"].get(str(body.get("userID", "")))
            if user is None:
                return _error(400, "invalid_request", "Invalid parameter userID")
            return 200, {"credentialIDs": list(user["credentials"])}
        if endpoint == "credentials/authorize":
            user = state["users"].get(owner_of.get(credential, ""))
            if user is None:
                return _error(400, "invalid_request", "Invalid parameter credentialID")
            if user["pin"] and not secrets.compare_digest(str(body.get("PIN", "")), user["pin"]):
                return _error(400, "invalid_pin", "The PIN is invalid")
            if user["otp"] and not secrets.compare_digest(str(body.get("OTP", "")), user["otp"]):
                return _error(400, "invalid_otp", "The OTP is invalid")
            status, payload = await dummy_answer(endpoint, body)
            if status == 200:
                sads[payload["SAD"]] = time.monotonic() + lifetime
                payload["expiresIn"] = lifetime
            return status, payload
        if endpoint == "signatures/signHash":
            expiry = sads.get(str(body.get("SAD", "")))
            if expiry is None:
                return _error(400, "invalid_request", "Invalid SAD")
            if time.monotonic() >= expiry:
                return _error(400, "invalid_request", "SAD expired")
            sads.pop(str(body["SAD"]), None)  # one use
            return await dummy_answer(endpoint, body)
        status, payload = await dummy_answer(endpoint, body)
        if endpoint == "credentials/info" and status == 200:
            user = state["users"].get(owner_of.get(credential, ""), {})
            payload["authMode"] = "explicit"
            payload["PIN"] = {"presence": "true" if user.get("pin") else "false", "format": "N", "label": "PIN"}
            payload["OTP"] = {"presence": "true" if user.get("otp") else "false", "type": "offline"}
        return status, payload

    async def v2_rules(endpoint: str, body: dict, request: web.Request):
        v1 = _v2_to_v1_request(endpoint, body)
        if isinstance(v1, web.Response):
            return v1
        answer = await v1_rules(endpoint, v1, request)
        if isinstance(answer, web.Response) or answer[0] != 200:
            return answer
        status, payload = answer
        if endpoint == "info":
            payload.update(specs=V2_SPECS, methods=V2_METHODS, asynchronousOperationMode=False)
        elif endpoint == "credentials/info":
            payload = _v2_credential_info(payload, state["users"].get(owner_of.get(str(v1["credentialID"]), ""), {}))
        elif endpoint == "credentials/list" and body.get("credentialInfo"):
            infos = []
            for cid in payload["credentialIDs"]:
                info = await v1_rules("credentials/info", {**v1, "credentialID": cid}, request)
                if isinstance(info, web.Response) or info[0] != 200:
                    return info
                user = state["users"].get(owner_of.get(cid, ""), {})
                infos.append({"credentialID": cid, **_v2_credential_info(info[1], user)})
            payload["credentialInfos"] = infos
        return status, payload

    async def csc_api(request: web.Request):
        version, endpoint = request.match_info["version"], request.match_info["endpoint"]
        calls[request.path] = calls.get(request.path, 0) + 1
        if version not in api_versions or endpoint not in handlers:
            return _error(404, "invalid_request", f"No such method {version}/{endpoint}")
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, "invalid_request", "The body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "invalid_request", "The body is not a JSON object")
        answer = await (v2_rules if version == "v2" else v1_rules)(endpoint, body, request)
        if isinstance(answer, web.Response):
            return answer
        return web.json_response(answer[1], status=answer[0])

    app.router.add_post("/oauth2/token", token)
    app.router.add_get("/_dev/calls", call_counts)
    app.router.add_post(r"/csc/{version:v[12]}/{endpoint:.+}", csc_api)
    app.add_subapp("/pki/", build_animator_app(config.pki_archs, with_web_ui=False, allow_time_override=False))
    return app


async def _serve(
    directory: Path, host: str, port: int, sad_lifetime: int | None, api_versions: tuple[str, ...]
) -> None:
    from aiohttp import web

    runner = web.AppRunner(build_app(directory, sad_lifetime=sad_lifetime, api_versions=api_versions), access_log=None)
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
    parser.add_argument("--api", default="v1,v2", help="CSC API versions served, comma-separated (default v1,v2)")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("the development CSC provider listens on loopback only")
    versions = tuple(v.strip() for v in args.api.split(",") if v.strip())
    if not versions or set(versions) - {"v1", "v2"}:
        sys.exit("--api takes v1, v2 or v1,v2")
    asyncio.run(_serve(args.directory, args.host, args.port, args.sad_lifetime, versions))


def tsa_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/pki/{ARCH}/tsa/{TSA_LABEL}"


if __name__ == "__main__":
    main()
