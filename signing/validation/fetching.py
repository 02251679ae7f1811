"""Fetching what a file lacks, when the operator allows it: the issuer certificates its certificates name (AIA
caIssuers) and OCSP/CRL answers, only from hosts on an allow-list, each request within a time and size limit, and
everything fetched kept in a file cache (so the second validation, and a later B-LT extension, need no network).

Why not pyHanko's own fetchers (aiohttp): they have no host allow-list, no byte limit and no cache that outlives
the process. pyHanko still judges everything fetched here: the answers only join the validation context's
`other_certs`, `ocsps` and `crls`, like the data a file embeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FetchOutcome", "FetchPolicy", "Fetcher"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchPolicy:
    """`allowed_hosts`: "host" or "host:port" entries; empty means nothing is fetched."""

    allowed_hosts: tuple[str, ...] = ()
    timeout: float = 3.0
    max_bytes: int = 1024 * 1024
    cache_dir: str = ""
    cache_seconds: int = 3600


class FetchOutcome:
    FETCHED = "FETCHED"
    CACHED = "CACHED"
    REFUSED_HOST = "REFUSED_HOST"
    TIMEOUT = "TIMEOUT"
    TOO_LARGE = "TOO_LARGE"
    FAILED = "FAILED"


class _Refused(Exception):
    def __init__(self, outcome: str, reason: str):
        super().__init__(reason)
        self.outcome = outcome


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect could leave the allow-list
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


@dataclass
class Fetcher:
    """One validation's fetches; `log` lists each one (url, kind, outcome, reason) for the report."""

    policy: FetchPolicy
    log: list[dict] = field(default_factory=list)

    def _allowed(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = parts.hostname.lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        allowed = {h.lower() for h in self.policy.allowed_hosts}
        return host in allowed or f"{host}:{port}" in allowed

    def _cache_path(self, key: str) -> Path | None:
        if not self.policy.cache_dir:
            return None
        return Path(self.policy.cache_dir) / key[:2] / key

    def _cached(self, key: str) -> bytes | None:
        path = self._cache_path(key)
        if path is None:
            return None
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            if meta["expires"] is not None and meta["expires"] < time.time():
                return None
            return path.read_bytes()
        except (OSError, ValueError, KeyError):
            return None

    def _store(self, key: str, url: str, data: bytes, *, lifetime: float | None) -> None:
        path = self._cache_path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            expires = None if lifetime is None or lifetime == float("inf") else time.time() + lifetime
            meta = {"url": url, "fetched": time.time(), "expires": expires}
            for target, content in ((path, data), (path.with_suffix(".json"), json.dumps(meta).encode())):
                tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
                tmp.write_bytes(content)
                os.replace(tmp, target)
        except OSError:
            log.warning("cannot write the fetch cache under %s", self.policy.cache_dir, exc_info=True)

    def _download(self, url: str, body: bytes | None, content_type: str) -> bytes:
        deadline = time.monotonic() + self.policy.timeout
        request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")  # noqa: S310
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with _OPENER.open(request, timeout=self.policy.timeout) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > self.policy.max_bytes:
                    raise _Refused(FetchOutcome.TOO_LARGE, f"{length} bytes announced, limit {self.policy.max_bytes}")
                chunks, size = [], 0
                while chunk := response.read(65536):
                    size += len(chunk)
                    if size > self.policy.max_bytes:
                        raise _Refused(FetchOutcome.TOO_LARGE, f"more than {self.policy.max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise _Refused(FetchOutcome.TIMEOUT, f"no complete answer within {self.policy.timeout:g} s")
                    chunks.append(chunk)
                return b"".join(chunks)
        except _Refused:
            raise
        except TimeoutError as exc:
            raise _Refused(FetchOutcome.TIMEOUT, f"no answer within {self.policy.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _Refused(FetchOutcome.TIMEOUT, f"no answer within {self.policy.timeout:g} s") from exc
            raise _Refused(FetchOutcome.FAILED, str(exc)) from exc
        except (OSError, ValueError) as exc:
            raise _Refused(FetchOutcome.FAILED, f"{type(exc).__name__}: {exc}") from exc

    def get(
        self, url: str, *, kind: str, body: bytes | None = None, content_type: str = "", lifetime: float | None = None
    ) -> bytes | None:
        """The answer for `url` (POST `body` when given) from the cache or the network, or None (logged why).
        `lifetime` (seconds) bounds the cache entry (default: the policy's `cache_seconds`); certificates pass
        `float("inf")`."""
        key = hashlib.sha256(url.encode() + b"\0" + (body or b"")).hexdigest()
        entry = {"url": url, "kind": kind, "outcome": "", "reason": ""}
        self.log.append(entry)
        if not self._allowed(url):
            entry.update(outcome=FetchOutcome.REFUSED_HOST, reason="host not on the allow-list")
            return None
        cached = self._cached(key)
        if cached is not None:
            entry["outcome"] = FetchOutcome.CACHED
            return cached
        try:
            data = self._download(url, body, content_type)
        except _Refused as refused:
            entry.update(outcome=refused.outcome, reason=str(refused))
            log.info("fetch of %s refused: %s %s", url, refused.outcome, refused)
            return None
        entry["outcome"] = FetchOutcome.FETCHED
        self._store(key, url, data, lifetime=self.policy.cache_seconds if lifetime is None else lifetime)
        return data

    def gather(
        self, signer, pool: list, roots: list, *, revocation: bool
    ) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """(certificates, OCSP responses, CRLs) fetched for the path of `signer` (asn1crypto certificates): missing
        issuers from caIssuers; with `revocation`, once the path reaches one of `roots`, an OCSP answer (or else
        the CRL) for every certificate below the root."""
        known = {c.subject.dump(): c for c in [*pool, *roots]}
        root_names = {r.subject.dump() for r in roots}
        certs: list[bytes] = []
        chain = [signer]
        cert = signer
        for _depth in range(6):
            if cert.self_signed == "yes" or cert.issuer.dump() in root_names:
                break
            issuer = known.get(cert.issuer.dump())
            if issuer is None:
                issuer = self._issuer_from_aia(cert)
                if issuer is None:
                    break
                known[issuer.subject.dump()] = issuer
                certs.append(issuer.dump())
            chain.append(issuer)
            cert = issuer
        anchored = chain[-1].issuer.dump() in root_names
        ocsps: list[bytes] = []
        crls: list[bytes] = []
        if revocation and anchored:
            for cert in chain:
                issuer = known.get(cert.issuer.dump())
                if issuer is None:
                    continue
                answer = self._ocsp(cert, issuer)
                if answer is not None:
                    ocsps.append(answer)
                    continue
                crls.extend(self._crls(cert))
        return certs, ocsps, crls

    def _issuer_from_aia(self, cert):
        from signing.trust.bundle import BundleError, read_bundle

        for url in _ca_issuer_urls(cert):
            data = self.get(url, kind="CA_ISSUER", lifetime=float("inf"))
            if data is None:
                continue
            try:
                found = read_bundle(data, require_ca=False)
            except BundleError as exc:
                self.log[-1].update(outcome=FetchOutcome.FAILED, reason=f"not a certificate: {exc.code}")
                continue
            from asn1crypto import x509 as ax509

            for fact in found:
                candidate = ax509.Certificate.load(fact.der)
                if candidate.subject.dump() == cert.issuer.dump():
                    return candidate
        return None

    def _ocsp(self, cert, issuer) -> bytes | None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509 import ocsp

        urls = [u for u in cert.ocsp_urls if u.startswith(("http://", "https://"))]
        if not urls:
            return None
        c_cert, c_issuer = x509.load_der_x509_certificate(cert.dump()), x509.load_der_x509_certificate(issuer.dump())
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(c_cert, c_issuer, hashes.SHA1())  # noqa: S303 - the CertID hash every responder knows
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        for url in urls:
            data = self.get(url, kind="OCSP", body=request, content_type="application/ocsp-request")
            if data is None:
                continue
            try:
                response = ocsp.load_der_ocsp_response(data)
                ok = response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
            except ValueError:
                ok = False
            if ok:
                return data
            self.log[-1].update(outcome=FetchOutcome.FAILED, reason="not a successful OCSP response")
        return None

    def _crls(self, cert) -> list[bytes]:
        from cryptography import x509

        out = []
        for point in cert.crl_distribution_points:
            url = point.url
            if not url or not url.startswith(("http://", "https://")):
                continue
            data = self.get(url, kind="CRL")
            if data is None:
                continue
            try:
                x509.load_der_x509_crl(data)
            except ValueError:
                self.log[-1].update(outcome=FetchOutcome.FAILED, reason="not a DER CRL")
                continue
            out.append(data)
            break
        return out


def _ca_issuer_urls(cert) -> list[str]:
    value = cert.authority_information_access_value
    if value is None:
        return []
    return [
        d["access_location"].native
        for d in value
        if d["access_method"].native == "ca_issuers" and d["access_location"].name == "uniform_resource_identifier"
    ]
