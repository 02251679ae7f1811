"""Remote signing through the Cloud Signature Consortium (CSC) API with pyHanko's `CSCSigner`. Free of Django.

The key stays with the provider; the signer authorises each signature, or one batch of N signatures, with their
own PIN/OTP (`credentials/authorize` → SAD), and the provider signs the hashes (`signatures/signHash`). The SAD
is always bound to the hashes it authorises (SCAL 2), so a SAD can sign nothing else.

Two versions of the API, chosen by `CscProvider.api_version` ("v1", "v2", or "auto": `info` of v2, else v1):
- v1.0.4.0 (`/csc/v1/...`), what pyHanko's `CSCSigner` speaks: `hash`, `hashAlgo`, `PIN`/`OTP`, `authMode`;
- v2.0.0.2 (`/csc/v2/...`): `hashes`, `hashAlgorithmOID`, `authData: [{id, value}]`, `auth: {mode, objects}`,
  `credentials/list` with `credentialInfo` (no `credentials/info` per credential), `operationMode: "S"`.
pyHanko still computes the hashes, picks the mechanism and embeds the signatures; only the JSON differs.

Every failure is one of `signing.errors` (Vietnamese `user_message`), raised before any document is returned:
a batch is signed whole or not at all.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from asn1crypto import algos
from asn1crypto import x509 as ax509
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
)

from signing import engine
from signing.errors import (
    AuthorizationRefused,
    CredentialMismatch,
    InvalidInput,
    ProviderUnavailable,
    RemoteSigningError,
    SadExpired,
    SigningError,
    WrongPin,
)
from signing.keys import ParsedAttributesMixin

__all__ = ["CscCredential", "CscProvider", "fetch_credential", "list_credentials", "sign_batch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CscProvider:
    """Where the provider is and how this application authenticates to it (from settings)."""

    name: str  # stored with each enrolled credential, e.g. "vnpt-smartca"
    label: str  # shown to users, e.g. "VNPT SmartCA"
    base_url: str  # the part before /csc/v1/... or /csc/v2/...
    auth: str = "none"  # none | bearer | client_credentials
    token: str = ""  # auth=bearer
    token_url: str = ""  # auth=client_credentials; default <base_url>/oauth2/token
    client_id: str = ""
    client_secret: str = ""
    timeout: float = 10.0  # seconds per API call (connect + answer)
    sign_timeout: float = 120.0  # signatures/signHash (some providers wait for the signer's phone)
    api_version: str = "auto"  # v1 | v2 | auto (v2 when the provider's /csc/v2/info answers, else v1)

    def url(self, endpoint: str, version: str) -> str:
        return f"{self.base_url.rstrip('/')}/csc/{version}/{endpoint}"


API_VERSIONS = ("v1", "v2")
_resolved_versions: dict[str, str] = {}  # base URL -> the version its info answered (auto), for this process


@dataclass(frozen=True)
class CscCredential:
    """What `credentials/info` says about one credential."""

    credential_id: str
    certificate_der: bytes
    chain_der: tuple[bytes, ...]
    algorithms: frozenset[str]  # asn1crypto names, e.g. {"sha256_rsa", "rsassa_pkcs1v15"}
    key_algorithm: str  # "RSA 2048", "EC 256"
    status: str  # enabled / disabled
    auth_mode: str  # implicit / explicit / oauth2code
    needs_pin: bool
    needs_otp: bool
    scal: int  # 2: the SAD must name the hashes it authorises
    multisign: int  # most signatures one authorisation may cover
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def certificate(self) -> ax509.Certificate:
        return ax509.Certificate.load(self.certificate_der)

    @property
    def subject_name(self) -> str:
        return str(self.certificate.subject.native.get("common_name", ""))

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after

    def pyhanko_info(self) -> CSCCredentialInfo:
        return CSCCredentialInfo(
            signing_cert=self.certificate,
            chain=[ax509.Certificate.load(c) for c in self.chain_der],
            supported_mechanisms=self.algorithms,
            max_batch_size=self.multisign,
            hash_pinning_required=self.scal == 2,
            response_data=self.raw,
        )


def _presence(value) -> bool:
    return isinstance(value, dict) and str(value.get("presence", "false")).lower() == "true"


def _auth_objects(data: dict) -> tuple[str, bool, bool]:
    """(mode, needs PIN, needs OTP) from a v2 `auth` object or the v1 `authMode`/`PIN`/`OTP` fields."""
    auth = data.get("auth")
    if isinstance(auth, dict):  # v2
        ids = {str(o.get("id", "")).upper() for o in auth.get("objects") or [] if isinstance(o, dict)}
        return str(auth.get("mode", "implicit")), "PIN" in ids, "OTP" in ids
    return str(data.get("authMode", "implicit")), _presence(data.get("PIN")), _presence(data.get("OTP"))


def _credential(credential_id: str, data: dict) -> CscCredential:
    try:
        mode, needs_pin, needs_otp = _auth_objects(data)
        certs = [base64.b64decode(c) for c in data["cert"]["certificates"]]
        ax509.Certificate.load(certs[0]).native  # noqa: B018 - parse now: a broken answer fails here
        key = data["key"]
        names = frozenset(algos.SignedDigestAlgorithmId(oid).native for oid in key.get("algo", []))
        length = int(key.get("len", 0))
        kind = ax509.Certificate.load(certs[0]).public_key.algorithm.upper()
        return CscCredential(
            credential_id=credential_id,
            certificate_der=certs[0],
            chain_der=tuple(certs[1:]),
            algorithms=names,
            key_algorithm=f"{kind} {length}".strip(),
            status=str(key.get("status", "enabled")),
            auth_mode=mode,
            needs_pin=needs_pin,
            needs_otp=needs_otp,
            scal=int(data.get("SCAL", 1)),
            multisign=max(1, int(data.get("multisign", 1))),
            raw=data,
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise RemoteSigningError(
            f"unusable credential info for {credential_id}: {type(exc).__name__}: {exc}",
            user_message="Nhà cung cấp ký số từ xa trả lời thông tin chứng thư số không hợp lệ.",
        ) from exc


class _Client:
    """One provider session: the API version, the service token, JSON calls, provider errors turned into ours."""

    def __init__(self, session: aiohttp.ClientSession, provider: CscProvider):
        self.session = session
        self.provider = provider
        self._token: str | None = provider.token if provider.auth == "bearer" else None
        self.version = provider.api_version if provider.api_version in API_VERSIONS else ""

    async def resolve_version(self) -> str:
        """v1 or v2: as configured, or (auto) v2 when the provider's `/csc/v2/info` says it speaks 2.x."""
        if not self.version:
            self.version = _resolved_versions.get(self.provider.base_url) or await self._probe_version()
            _resolved_versions[self.provider.base_url] = self.version
        return self.version

    async def _probe_version(self) -> str:
        try:
            info = await self._send(
                self.provider.url("info", "v2"), json_body={}, timeout=self.provider.timeout, what="v2 info"
            )
        except (ProviderUnavailable, AuthorizationRefused):
            raise
        except SigningError:  # 404 / 400: no v2 here
            return "v1"
        return "v2" if str(info.get("specs", "")).startswith("2") else "v1"

    async def headers(self) -> dict[str, str]:
        if self.provider.auth == "client_credentials" and self._token is None:
            self._token = await self._client_credentials_token()
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    async def _client_credentials_token(self) -> str:
        p = self.provider
        url = p.token_url or f"{p.base_url.rstrip('/')}/oauth2/token"
        form = {"grant_type": "client_credentials", "client_id": p.client_id, "client_secret": p.client_secret}
        data = await self._send(url, form=form, timeout=p.timeout, what="oauth2/token")
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise AuthorizationRefused("oauth2/token answered without an access_token")
        return str(token)

    async def call(self, endpoint: str, body: dict, *, timeout: float | None = None) -> dict:
        version = await self.resolve_version()
        return await self._send(
            self.provider.url(endpoint, version),
            json_body=body,
            headers=await self.headers(),
            timeout=timeout or self.provider.timeout,
            what=endpoint,
        )

    async def _send(self, url, *, json_body=None, form=None, headers=None, timeout: float, what: str) -> dict:
        try:
            async with self.session.post(
                url, json=json_body, data=form, headers=headers or {}, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                text = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise ProviderUnavailable(f"{what}: no answer from {self.provider.base_url} within {timeout} s") from exc
        except aiohttp.ClientError as exc:
            raise ProviderUnavailable(f"{what}: {self.provider.base_url} unreachable: {exc}") from exc
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if 200 <= status < 300:
            if not isinstance(data, dict):
                raise RemoteSigningError(f"{what}: answer is not a JSON object")
            return data
        raise _provider_error(what, status, data if isinstance(data, dict) else {}, text)

    async def credential(self, credential_id: str) -> CscCredential:
        body = {"credentialID": credential_id, "certificates": "chain", "certInfo": False, "authInfo": True}
        return _credential(credential_id, await self.call("credentials/info", body))

    async def credentials(self, user_ref: str) -> list[CscCredential]:
        """The signer's credentials: v2 lists them with their info in one call; v1 needs info per credential."""
        body: dict = {"maxResults": 100}
        if user_ref:
            body["userID"] = user_ref
        if await self.resolve_version() == "v2":
            body.update(credentialInfo=True, certificates="chain", certInfo=False, authInfo=True)
        data = await self.call("credentials/list", body)
        ids = data.get("credentialIDs")
        if not isinstance(ids, list):
            raise RemoteSigningError("credentials/list answered without credentialIDs")
        infos = data.get("credentialInfos")
        if isinstance(infos, list) and len(infos) == len(ids):
            return [_credential(str(info.get("credentialID", cid)), info) for cid, info in zip(ids, infos, strict=True)]
        return [await self.credential(str(cid)) for cid in ids]

    def authorize_body(self, credential_id: str, hash_b64s: list[str], digest_algorithm: str, *, pin, otp, description):
        """`credentials/authorize` for exactly these hashes (v2 body; the v1 one comes from pyHanko's helper)."""
        body: dict = {
            "credentialID": credential_id,
            "numSignatures": len(hash_b64s),
            "hashes": hash_b64s,
            "hashAlgorithmOID": algos.DigestAlgorithmId(digest_algorithm).dotted,
        }
        auth_data = [{"id": key, "value": value} for key, value in (("PIN", pin), ("OTP", otp)) if value]
        if auth_data:
            body["authData"] = auth_data
        if description:
            body["description"] = description
        return body


def _v2_sign_hash_body(v1: dict) -> dict:
    """pyHanko's v1 `signatures/signHash` request with the v2 names (`hashes`, `hashAlgorithmOID`)."""
    body = {k: v for k, v in v1.items() if k not in ("hash", "hashAlgo")}
    body.update(hashes=v1["hash"], hashAlgorithmOID=v1["hashAlgo"], operationMode="S")
    return body


def _provider_error(what: str, status: int, data: dict, text: str) -> SigningError:
    error = str(data.get("error", "")).strip()
    description = str(data.get("error_description", "")).strip()
    message = f"{what}: HTTP {status} {error or '-'}: {description or text[:200]}"
    lowered = f"{error} {description}".lower()
    if status in (401, 403) or error in ("invalid_token", "invalid_client", "unauthorized_client", "access_denied"):
        return AuthorizationRefused(message, error=error, status=status)
    if error in ("invalid_pin", "invalid_otp") or (
        what == "credentials/authorize" and ("pin" in lowered or "otp" in lowered)
    ):
        return WrongPin(message)
    if "sad" in lowered and ("expired" in lowered or "invalid" in lowered):
        return SadExpired(message, error=error, status=status)
    if what == "credentials/info" and status in (400, 404):
        return CredentialMismatch(
            message,
            error=error,
            status=status,
            user_message="Nhà cung cấp ký số từ xa không có chứng thư số này. Không có văn bản nào được ký.",
        )
    return RemoteSigningError(message, error=error, status=status)


class _PinAuthorization(CSCAuthorizationManager):
    """Asks `credentials/authorize` once, with the signer's PIN/OTP, for exactly the hashes of this batch."""

    def __init__(self, client: _Client, credential: CscCredential, *, pin: str, otp: str, description: str):
        super().__init__(
            CSCServiceSessionInfo(service_url=client.provider.base_url, credential_id=credential.credential_id),
            credential.pyhanko_info(),
        )
        self.client = client
        self.pin = pin
        self.otp = otp
        self.description = description
        self.digest_algorithm = "sha256"  # set by the signer for its batch before it asks
        self.calls = 0

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        self.calls += 1
        if self.calls > 1:  # an OTP works once; a batch is one authorisation
            raise RemoteSigningError("a second authorisation was requested within one batch")
        if await self.client.resolve_version() == "v2":
            body = self.client.authorize_body(
                self.csc_session_info.credential_id,
                hash_b64s,
                self.digest_algorithm,
                pin=self.pin,
                otp=self.otp,
                description=self.description[:500],
            )
        else:
            body = self.format_csc_auth_request(
                pin=self.pin or None,
                otp=self.otp or None,
                hash_b64s=hash_b64s,
                description=self.description[:500] or None,
            )
        data = await self.client.call("credentials/authorize", body)
        return self.parse_csc_auth_response(data)


class _RemoteSigner(ParsedAttributesMixin, CSCSigner):
    """pyHanko's CSC signer; the `signatures/signHash` call goes through `_Client` so refusals keep their reason."""

    def __init__(self, *, client: _Client, auth: _PinAuthorization, batch_size: int):
        super().__init__(
            session=client.session,
            auth_manager=auth,
            sign_timeout=int(client.provider.sign_timeout),
            batch_size=batch_size,
        )
        self.client = client
        self.error: SigningError | None = None

    async def _do_commit(self, batch) -> None:
        try:
            self.auth_manager.digest_algorithm = batch.md_algorithm
            request = await self.format_csc_signing_req(batch.b64_hashes, batch.md_algorithm)
            if await self.client.resolve_version() == "v2":
                request = _v2_sign_hash_body(request)
            data = await self.client.call("signatures/signHash", request, timeout=self.client.provider.sign_timeout)
            values = data.get("signatures")
            if not isinstance(values, list) or len(values) != len(batch.b64_hashes):
                raise RemoteSigningError(f"signHash answered {values!r:.80} for {len(batch.b64_hashes)} hashes")
            batch.results = [base64.b64decode(v) for v in values]
        except SigningError as exc:
            self.error = exc
            raise
        except (PyHankoSigningError, ValueError, TypeError) as exc:
            self.error = RemoteSigningError(f"signHash failed: {type(exc).__name__}: {exc}")
            raise self.error from exc
        finally:
            self._current_batch = None
            batch.notifier.set()


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(trust_env=False)


async def _list_async(provider: CscProvider, user_ref: str) -> list[CscCredential]:
    async with _session() as session:
        return await _Client(session, provider).credentials(user_ref)


async def _fetch_async(provider: CscProvider, credential_id: str) -> CscCredential:
    async with _session() as session:
        return await _Client(session, provider).credential(credential_id)


def list_credentials(provider: CscProvider, *, user_ref: str) -> list[CscCredential]:
    """`credentials/list` for the signer `user_ref` (their id at the provider), with each credential's info."""
    return engine.run_sync(lambda: _list_async(provider, user_ref))


def fetch_credential(provider: CscProvider, *, credential_id: str) -> CscCredential:
    return engine.run_sync(lambda: _fetch_async(provider, credential_id))


def _usable(credential: CscCredential, *, count: int, expected_certificate_der: bytes | None) -> None:
    if expected_certificate_der and credential.certificate_der != expected_certificate_der:
        raise CredentialMismatch(
            f"credential {credential.credential_id} now holds another certificate than the one enrolled",
            user_message=(
                "Chứng thư số trên dịch vụ ký số từ xa đã thay đổi so với chứng thư đã đăng ký. "
                "Hãy đăng ký lại chứng thư. Không có văn bản nào được ký."
            ),
        )
    if credential.status != "enabled":
        raise RemoteSigningError(
            f"credential {credential.credential_id} is {credential.status}",
            user_message="Chứng thư số trên dịch vụ ký số từ xa đang bị khóa hoặc tạm dừng.",
        )
    if count > credential.multisign:
        raise InvalidInput(
            f"{count} documents in one batch; the credential allows {credential.multisign} per authorisation",
            user_message=f"Mỗi lần xác nhận chỉ ký được tối đa {credential.multisign} văn bản với chứng thư này.",
        )


async def _sign_batch_async(
    pdfs: Sequence[bytes],
    requests: Sequence[engine.SignRequest],
    *,
    provider: CscProvider,
    credential_id: str,
    expected_certificate_der: bytes | None,
    pin: str,
    otp: str,
    description: str,
    env: engine.SignEnvironment,
) -> list[bytes]:
    async with _session() as session:
        client = _Client(session, provider)
        credential = await client.credential(credential_id)
        _usable(credential, count=len(pdfs), expected_certificate_der=expected_certificate_der)
        auth = _PinAuthorization(client, credential, pin=pin, otp=otp, description=description)
        signer = _RemoteSigner(client=client, auth=auth, batch_size=len(pdfs))
        chain = [credential.certificate_der, *credential.chain_der]
        tasks = [
            asyncio.create_task(engine.sign_document_async(pdf, signer, chain, req, env))
            for pdf, req in zip(pdfs, requests, strict=True)
        ]
        # The documents wait for one another (one authorisation, one signHash for all); if one fails before
        # joining the batch, the batch can never fill: stop the others.
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        failures = [task.exception() for task in done if task.exception() is not None]  # retrieved, all of them
        if signer.error is not None:
            raise signer.error
        if failures:
            raise failures[0]
        return [task.result() for task in tasks]


def sign_batch(
    pdfs: Sequence[bytes],
    *,
    requests: Sequence[engine.SignRequest],
    provider: CscProvider,
    credential_id: str,
    pin: str = "",
    otp: str = "",
    description: str = "",
    expected_certificate_der: bytes | None = None,
    env: engine.SignEnvironment,
) -> list[bytes]:
    """Sign every PDF with one remote authorisation (numSignatures = N, the N hashes named in the SAD).

    All or nothing: the signed PDFs in input order, or a `SigningError` subclass and no PDF. With
    `expected_certificate_der` the credential must still hold that certificate (the one enrolled).
    """
    if not pdfs:
        return []
    if len(requests) != len(pdfs):
        raise InvalidInput("one SignRequest per PDF")
    for pdf, req in zip(pdfs, requests, strict=True):
        req.level = engine.check_level(req.level)
        engine.open_writer(pdf)  # refuse an unreadable PDF before anything is asked of the provider or the signer
    try:
        return engine.run_sync(
            lambda: _sign_batch_async(
                pdfs,
                requests,
                provider=provider,
                credential_id=credential_id,
                expected_certificate_der=expected_certificate_der,
                pin=pin,
                otp=otp,
                description=description,
                env=env,
            )
        )
    except SigningError:
        raise
    except Exception as exc:  # noqa: BLE001 - every pyHanko/aiohttp failure becomes one of ours
        raise engine.translate_error(exc, requests[0].level) from exc
