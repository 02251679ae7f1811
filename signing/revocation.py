"""Revocation answers (OCSP responses, CRLs) for certificates of the development PKI, built in-process.

The same answers are served over HTTP by the dev-only views, so an outside validator that follows the URLs in
the certificates sees exactly what pyHanko embeds here.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from signing.devpki import DevPki

__all__ = ["DevRevocation", "dev_revocation"]

_lock = threading.Lock()
_cache: dict[str, DevRevocation] = {}
FRESHNESS = dt.timedelta(days=7)


class DevRevocation:
    def __init__(self, pki: DevPki):
        self.pki = pki
        self._answers: dict[bytes, tuple[int, float, bytes]] = {}  # b"": the dev PKI did not issue it
        self.cas: dict[bytes, tuple[str, x509.Certificate, object]] = {}
        for name in pki.ca_names():
            cert = pki.load_cert(name)
            self.cas[cert.subject.public_bytes()] = (name, cert, pki.load_key(name))

    def _issuer_of(self, cert: x509.Certificate):
        entry = self.cas.get(cert.issuer.public_bytes())
        if entry is None:
            return None
        _, ca_cert, _ = entry
        try:
            cert.verify_directly_issued_by(ca_cert)
        except (ValueError, TypeError, Exception):  # noqa: BLE001 - any mismatch means "not ours"
            return None
        return entry

    def ocsp_response(self, cert: x509.Certificate) -> bytes | None:
        """A signed OCSP response for `cert`, or None when the dev PKI did not issue it."""
        entry = self._issuer_of(cert)
        if entry is None:
            return None
        _, ca_cert, ca_key = entry
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        revoked_at = self.pki.revoked().get(cert.serial_number)
        builder = ocsp.OCSPResponseBuilder()
        if revoked_at:
            builder = builder.add_response(
                cert=cert,
                issuer=ca_cert,
                algorithm=hashes.SHA1(),  # noqa: S303 - CertID hash, as every OCSP client expects
                cert_status=ocsp.OCSPCertStatus.REVOKED,
                this_update=now - dt.timedelta(minutes=5),
                next_update=now + FRESHNESS,
                revocation_time=dt.datetime.fromisoformat(revoked_at),
                revocation_reason=x509.ReasonFlags.key_compromise,
            )
        else:
            builder = builder.add_response(
                cert=cert,
                issuer=ca_cert,
                algorithm=hashes.SHA1(),  # noqa: S303
                cert_status=ocsp.OCSPCertStatus.GOOD,
                this_update=now - dt.timedelta(minutes=5),
                next_update=now + FRESHNESS,
                revocation_time=None,
                revocation_reason=None,
            )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, ca_cert)
        return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ocsp_answer(self, request_der: bytes) -> bytes:
        """Answer a DER OCSP request (HTTP endpoint): good/revoked for known serials, `unauthorized` otherwise."""
        req = ocsp.load_der_ocsp_request(request_der)
        for _name, ca_cert, _ in self.cas.values():
            for cert in self._issued_certs(ca_cert, req.serial_number):
                return self.ocsp_response(cert) or b""
        return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
            serialization.Encoding.DER
        )

    def _issued_certs(self, ca_cert, serial: int):
        # Leaf certificates are not indexed on disk; the HTTP answer covers CA certs and the dev keys.
        for path in list(self.pki.dir.glob("ca/*.crt.pem")):
            cert = x509.load_pem_x509_certificate(path.read_bytes())
            if cert.serial_number == serial and cert.issuer == ca_cert.subject:
                yield cert

    def crl(self, ca: str) -> bytes:
        for name, ca_cert, ca_key in self.cas.values():
            if name != ca:
                continue
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            builder = (
                x509.CertificateRevocationListBuilder()
                .issuer_name(ca_cert.subject)
                .last_update(now - dt.timedelta(minutes=5))
                .next_update(now + FRESHNESS)
                .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
            )
            for serial, when in self.pki.revoked().items():
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(serial)
                    .revocation_date(dt.datetime.fromisoformat(when))
                    .build()
                )
            return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        raise KeyError(ca)

    def answers_for(self, certs_der: list[bytes]) -> list[bytes]:
        """OCSP responses for every certificate in `certs_der` that the dev PKI issued (roots need none).

        Answers are reused for a minute (and until the revocation list changes), like a responder's cache."""
        out = []
        try:
            revoked_stamp = self.pki.revoked_path.stat().st_mtime_ns
        except OSError:
            revoked_stamp = 0
        now = time.monotonic()
        for der in dict.fromkeys(certs_der):
            hit = self._answers.get(der)
            if hit is not None and hit[0] == revoked_stamp and now - hit[1] < 60:
                if hit[2]:
                    out.append(hit[2])
                continue
            try:
                cert = x509.load_der_x509_certificate(der)
            except ValueError:
                continue
            resp = None if cert.issuer == cert.subject else self.ocsp_response(cert)
            # not ours (the trust store's CAs) is remembered too: they are asked about on every validation
            self._answers[der] = (revoked_stamp, now, resp or b"")
            if resp:
                out.append(resp)
        return out


def dev_revocation(directory: str | Path) -> DevRevocation | None:
    """The cached revocation source for the dev PKI in `directory`, or None if there is none."""
    key = str(directory)
    with _lock:
        if key in _cache:
            return _cache[key]
    pki = DevPki(directory)
    if not pki.exists():
        return None
    source = DevRevocation(pki)
    with _lock:
        _cache[key] = source
    return source
