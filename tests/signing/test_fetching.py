"""Fetching missing issuers (AIA caIssuers) and OCSP/CRL answers, when the operator allows it — against real HTTP
servers on loopback (127.0.0.1:8104 serves a PKI's AIA/OCSP/CRL; 127.0.0.1:8204 is slow or oversized)."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.x509 import ocsp

from signing import explain, services
from signing.devpki import DevPki
from signing.revocation import DevRevocation
from tests.signing.trust_support import leaf_only_pdf
from tests.signing_support import sample_pdf

pytestmark = pytest.mark.django_db

GOOD, BAD = 8104, 8204


class _PkiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, pki: DevPki):
        super().__init__(("127.0.0.1", port), _Handler)
        self.pki = pki
        self.revocation = DevRevocation(pki)
        self.leaves: dict[int, x509.Certificate] = {}
        self.mode = "normal"  # normal | slow | big
        self.hits: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: _PkiServer

    def log_message(self, *args):
        pass

    def _send(self, body: bytes, ctype: str) -> None:
        if self.server.mode == "slow":
            time.sleep(3)
        if self.server.mode == "big":
            body = b"\0" * (3 * 1024 * 1024)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):  # noqa: N802
        self.server.hits.append(self.path)
        pki = self.server.pki
        if self.path.startswith("/xac-thuc/pki/ca/"):
            self._send(pki.ca_cert_der(self.path.rsplit("/", 1)[1].removesuffix(".crt")), "application/pkix-cert")
        elif self.path.startswith("/xac-thuc/pki/crl/"):
            self._send(
                self.server.revocation.crl(self.path.rsplit("/", 1)[1].removesuffix(".crl")), "application/pkix-crl"
            )
        else:
            self.send_error(404)

    def do_POST(self):  # noqa: N802
        self.server.hits.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        serial = ocsp.load_der_ocsp_request(body).serial_number
        cert = self.server.leaves.get(serial)
        if cert is None:
            for name in self.server.pki.ca_names():
                ca = self.server.pki.load_cert(name)
                if ca.serial_number == serial:
                    cert = ca
        answer = self.server.revocation.ocsp_response(cert) if cert is not None else None
        self._send(answer or b"", "application/ocsp-response")


@contextlib.contextmanager
def _serve(port: int, directory):
    pki = DevPki(directory, base_url=f"http://127.0.0.1:{port}")
    pki.ensure()
    server = _PkiServer(port, pki)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    with _serve(GOOD, tmp_path_factory.mktemp("pki-good")) as server:
        yield server


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    with _serve(BAD, tmp_path_factory.mktemp("pki-bad")) as server:
        yield server


def _leaf_only(server: _PkiServer) -> bytes:
    signed, cert = leaf_only_pdf(server.pki, sample_pdf(1))
    server.leaves[cert.serial_number] = x509.load_der_x509_certificate(cert.dump())
    return signed


@pytest.fixture
def fetching(settings, tmp_path):
    settings.SIGNING_FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{GOOD}", f"127.0.0.1:{BAD}"]
    settings.SIGNING_FETCH_TIMEOUT = 1.0
    settings.SIGNING_FETCH_MAX_BYTES = 256 * 1024
    settings.SIGNING_FETCH_CACHE_DIR = str(tmp_path / "fetched")
    return settings


def _root(server: _PkiServer) -> list[bytes]:
    return [server.pki.root_der()]


def test_missing_intermediate_and_revocation_are_fetched_when_allowed_then_cached(good, fetching):
    signed = _leaf_only(good)
    assert services.validate_pdf(signed, trust_roots=_root(good), fetch=False).signatures[0].sub_indication == (
        "NO_CERTIFICATE_CHAIN_FOUND"
    )
    good.hits.clear()
    sig = services.validate_pdf(signed, trust_roots=_root(good)).signatures[0]
    assert sig.indication == "TOTAL_PASSED", sig
    assert [(e["kind"], e["outcome"]) for e in sig.fetched] == [
        ("CA_ISSUER", "FETCHED"),
        ("OCSP", "FETCHED"),
        ("OCSP", "FETCHED"),
    ]
    assert [e["subject_cn"] for e in sig.certification_path][1] == "vanthu Dev Carrier CA"
    assert good.hits == ["/xac-thuc/pki/ca/carrier-ca.crt", "/xac-thuc/pki/ocsp/", "/xac-thuc/pki/ocsp/"]
    good.hits.clear()
    again = services.validate_pdf(signed, trust_roots=_root(good)).signatures[0]
    assert again.indication == "TOTAL_PASSED" and {e["outcome"] for e in again.fetched} == {"CACHED"}
    assert good.hits == []  # the second run is served from the cache
    assert "bộ nhớ đệm" in explain.fetch_label(again.fetched[0])


def test_anonymous_uploads_fetch_nothing_by_default(client, good, fetching):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    signed = _leaf_only(good)
    good.hits.clear()
    client.post(reverse("signing:verify"), {"file": SimpleUploadedFile("a.pdf", signed, "application/pdf")})
    assert good.hits == []
    fetching.SIGNING_FETCH_FOR_UPLOADS = True
    html = client.post(
        reverse("signing:verify"), {"file": SimpleUploadedFile("a.pdf", signed, "application/pdf")}
    ).content.decode()
    assert good.hits and "Đã tải chứng thư CA cấp trên (AIA) từ http://127.0.0.1:8104/" in html


def test_a_host_not_on_the_allow_list_is_refused(good, fetching):
    fetching.SIGNING_FETCH_ALLOWED_HOSTS = ["127.0.0.1:9999", "ca.example.vn"]
    signed = _leaf_only(good)
    good.hits.clear()
    sig = services.validate_pdf(signed, trust_roots=_root(good)).signatures[0]
    assert sig.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND" and good.hits == []
    assert [(e["kind"], e["outcome"]) for e in sig.fetched] == [("CA_ISSUER", "REFUSED_HOST")]
    assert "không nằm trong danh sách được phép" in explain.fetch_label(sig.fetched[0])


def test_a_slow_answer_times_out_and_an_oversized_one_is_refused(bad, fetching):
    signed = _leaf_only(bad)
    bad.mode = "slow"
    try:
        started = time.monotonic()
        sig = services.validate_pdf(signed, trust_roots=_root(bad)).signatures[0]
        assert time.monotonic() - started < 8
    finally:
        bad.mode = "normal"
    assert [(e["kind"], e["outcome"]) for e in sig.fetched] == [("CA_ISSUER", "TIMEOUT")]
    assert sig.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert "không trả lời kịp thời gian cho phép" in explain.fetch_label(sig.fetched[0])
    bad.mode = "big"
    try:
        sig = services.validate_pdf(signed, trust_roots=_root(bad)).signatures[0]
    finally:
        bad.mode = "normal"
    assert [(e["kind"], e["outcome"]) for e in sig.fetched] == [("CA_ISSUER", "TOO_LARGE")]
    assert "262144" in sig.fetched[0]["reason"]
    assert "lớn hơn giới hạn cho phép" in explain.fetch_label(sig.fetched[0])


def test_fetched_answers_are_embedded_when_extending_to_b_lt(good, fetching, tmp_path, signing_pki):
    """The department's own B-LT signature by a CA whose OCSP is only on the network: the answers come through
    the fetch policy (and its cache), land in the DSS, and the file then validates with nothing fetched."""
    root = tmp_path / "root.pem"
    root.write_bytes(good.pki.cert_path("root").read_bytes())
    fetching.SIGNING_TRUST_ROOTS = [str(root)]
    p12, password = good.pki.issue_pkcs12(common_name="Lê Thị Hoa", issuer="carrier-ca")
    from cryptography.hazmat.primitives.serialization import pkcs12

    leaf = pkcs12.load_key_and_certificates(p12, password)[1]
    good.leaves[leaf.serial_number] = leaf
    good.hits.clear()
    signed = services.sign_pdf_with_pkcs12(sample_pdf(1), pkcs12=p12, password=password, level="B-LT")
    assert "/xac-thuc/pki/ocsp/" in good.hits
    # the development TSA's root vouches for the signature time-stamp
    report = services.validate_pdf(signed, trust_roots=[*_root(good), signing_pki.root_der()], fetch=False)
    sig = report.signatures[0]
    assert (report.indication, sig.pades_level, sig.fetched) == ("TOTAL_PASSED", "B-LT", [])
    assert {e["kind"] for e in sig.time_evidence} >= {"SIGNATURE_TIMESTAMP", "DSS"}
