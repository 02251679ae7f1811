"""PDFs signed by other tools: each corpus file is made at test time by an independent signer (PDFBox +
BouncyCastle, poppler's pdfsig, LibreOffice's PDF export, pypdf, a hand-written writer + CMS) and judged through
the real engine and CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

from signing import explain, services
from tests.signing import interop_tools as tools
from tests.signing_support import sample_pdf

pytestmark = pytest.mark.django_db
ISO_VN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


@dataclass(frozen=True)
class Case:
    make: Callable  # (env) -> bytes
    trusted: tuple[str, str]  # (indication, sub-indication) with the corpus root trusted
    signer: str = "rsa"
    fmt: str = "PKCS7_DETACHED"
    signatures: int = 1
    modification: str = "NONE"


class Corpus:
    """Everything a case needs, built once per session; corpus files are made on first use."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.recorder = tools.ConnectionRecorder()
        self.pki = tools.InteropPki(directory / "pki", recorder_url=self.recorder.url(""))
        self.classes = tools.compile_pdfbox_signer(directory)
        self.base = sample_pdf(2)
        self.objstm = tools.with_object_streams(self.base, directory)
        self.broken = tools.with_broken_xref_offsets(self.base)
        self.hybrid = tools.hybrid_reference(self.base)
        self.other_root = tools.other_root_pem(directory)
        self._files: dict[str, bytes] = {}

    def party(self, name: str) -> tools.Party:
        return self.pki.parties[name]

    def pdfbox(self, pdf: bytes, signer: str = "rsa", **kwargs) -> bytes:
        return tools.pdfbox_sign(self.classes, pdf, self.party(signer), **kwargs)

    def pdfsig(self, pdf: bytes, signer: str = "rsa", **kwargs) -> bytes:
        return tools.pdfsig_sign(pdf, self.party(signer), self.dir, **kwargs)

    def hand(self, pdf: bytes, signer: str = "rsa", **kwargs) -> bytes:
        return tools.hand_sign(pdf, self.party(signer), **kwargs)

    def libreoffice(self, signer: str = "rsa") -> bytes:
        return tools.libreoffice_sign(self.party(signer), self.dir)

    def file(self, name: str) -> bytes:
        if name not in self._files:
            self._files[name] = CASES[name].make(self)
        return self._files[name]


PASSED = ("TOTAL_PASSED", "")
SHA1 = ("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE")
O = tools.CmsOptions  # noqa: E741

CASES: dict[str, Case] = {
    "pdfbox-rsa-sha256": Case(lambda c: c.pdfbox(c.base), PASSED),
    "pdfbox-ecdsa-p256": Case(lambda c: c.pdfbox(c.base, "ec", algorithm="SHA256withECDSA"), PASSED, signer="ec"),
    "pdfbox-rsassa-pss": Case(lambda c: c.pdfbox(c.base, algorithm="SHA256withRSAandMGF1"), PASSED),
    "pdfbox-sha512": Case(lambda c: c.pdfbox(c.base, algorithm="SHA512withRSA"), PASSED),
    "pdfbox-sha1": Case(lambda c: c.pdfbox(c.base, algorithm="SHA1withRSA"), SHA1),
    "pdfbox-chain-without-intermediate": Case(
        lambda c: c.pdfbox(c.base, chain="leaf"), ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    ),
    "pdfbox-object-streams": Case(lambda c: c.pdfbox(c.objstm), PASSED),
    "pdfbox-broken-xref-offsets": Case(lambda c: c.pdfbox(c.broken), PASSED),
    "pdfbox-hybrid-reference": Case(lambda c: c.pdfbox(c.hybrid), PASSED),
    "pdfsig-sha256": Case(lambda c: c.pdfsig(c.base), PASSED),
    "pdfsig-broken-xref-offsets": Case(lambda c: c.pdfsig(c.broken), PASSED),
    "pdfsig-object-streams": Case(lambda c: c.pdfsig(c.objstm), PASSED),
    # a Writer document exported and signed by LibreOffice (soffice over UNO, key in an NSS database)
    "libreoffice-writer-export": Case(lambda c: c.libreoffice(), PASSED),
    "hand-pkcs7-detached": Case(lambda c: c.hand(c.base), PASSED),
    "hand-adbe-pkcs7-sha1": Case(
        lambda c: c.hand(c.base, subfilter="adbe.pkcs7.sha1", cms_options=O(md="sha1", sha1_encapsulated=True)),
        SHA1,
        fmt="PKCS7_SHA1",
    ),
    "hand-adbe-x509-rsa-sha1": Case(
        lambda c: c.hand(c.base, subfilter="adbe.x509.rsa_sha1"), SHA1, fmt="X509_RSA_SHA1"
    ),
    "hand-no-signed-attributes": Case(lambda c: c.hand(c.base, cms_options=O(signed_attrs=False)), PASSED),
    "hand-signing-time-only-in-M": Case(lambda c: c.hand(c.base, cms_options=O(signing_time=False)), PASSED),
    "hand-M-utc-with-apostrophes": Case(  # Z00'00': also rejected by pyHanko's date parser
        lambda c: c.hand(c.base, cms_options=O(signing_time=False), m_date=b"D:20260315083000Z00'00'"), PASSED
    ),
    "hand-rsassa-pss-sha512": Case(lambda c: c.hand(c.base, cms_options=O(md="sha512", scheme="pss")), PASSED),
    "hand-ecdsa-p256": Case(lambda c: c.hand(c.base, "ec"), PASSED, signer="ec"),
    "hand-extra-unrelated-certs": Case(
        lambda c: c.hand(
            c.base,
            cms_options=O(certs=[c.party("ec").cert, c.pki.root, c.party("rsa").cert, c.pki.inter]),
        ),
        PASSED,
    ),
    "hand-xref-stream-update": Case(lambda c: c.hand(c.objstm), PASSED),
    "hand-hybrid-reference": Case(lambda c: c.hand(c.hybrid), PASSED),
    "hand-expired-certificate": Case(
        lambda c: c.hand(c.base, "expired"), ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"), signer="expired"
    ),
    "hand-urls-without-revocation-data": Case(
        lambda c: c.hand(c.base, "networked"), ("INDETERMINATE", "REVOCATION_DATA_MISSING"), signer="networked"
    ),
    "hand-adobe-revocation-archival": Case(
        lambda c: c.hand(c.base, "networked", cms_options=O(revocation_archival_crl=c.pki.crl_der())),
        PASSED,
        signer="networked",
    ),
    "hand-crl-in-signed-data": Case(
        lambda c: c.hand(c.base, "networked", cms_options=O(signed_data_crl=c.pki.crl_der())),
        PASSED,
        signer="networked",
    ),
    "hand-revoked-by-embedded-crl": Case(
        lambda c: c.hand(
            c.base,
            "networked",
            cms_options=O(revocation_archival_crl=c.pki.crl_der([c.party("networked").cert.serial_number])),
        ),
        ("INDETERMINATE", "REVOKED"),
        signer="networked",
    ),
    "two-tools-pdfsig-then-pdfbox": Case(
        lambda c: c.pdfbox(c.pdfsig(c.base), "ec", algorithm="SHA256withECDSA"),
        PASSED,
        signatures=2,
        modification="FORM_FILLING",
    ),
    "pdfbox-then-pypdf-annotation": Case(
        lambda c: tools.add_annotation_with_pypdf(c.pdfbox(c.base)), PASSED, modification="ANNOTATIONS"
    ),
    "certified-p3-then-pypdf-annotation": Case(
        lambda c: tools.add_annotation_with_pypdf(c.hand(c.base, docmdp=3)), PASSED, modification="ANNOTATIONS"
    ),
    "certified-p2-then-pypdf-annotation": Case(
        lambda c: tools.add_annotation_with_pypdf(c.hand(c.base, docmdp=2)),
        ("TOTAL_FAILED", "MODIFIED_AFTER_SIGNING"),
        modification="ANNOTATIONS",
    ),
    "pdfbox-then-pypdf-content-change": Case(
        lambda c: tools.change_page_content_with_pypdf(c.pdfbox(c.base)),
        ("TOTAL_FAILED", "MODIFIED_AFTER_SIGNING"),
        modification="OTHER",
    ),
}
EXIT = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 1, "INDETERMINATE": 2}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Corpus:
    built = Corpus(tmp_path_factory.mktemp("interop"))
    yield built
    built.recorder.close()


def _verify_cli(path: Path, *roots: Path) -> tuple[int, dict]:
    out = io.StringIO()
    args = [str(path), "--json"]
    for root in roots:
        args += ["--trust-root", str(root)]
    with pytest.raises(SystemExit) as exc:
        call_command("verify_pdf", *args, stdout=out)
    return exc.value.code, json.loads(out.getvalue())


def _tampered(data: bytes) -> bytes:
    """One byte changed inside the signed range of the first signature: in the binary comment after the header,
    so the file still parses (object streams hide the page text)."""
    at = data.index(b"\n%", 5) + 2
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@pytest.mark.parametrize("name", list(CASES))
def test_corpus_file_verdicts(corpus, name, tmp_path):
    case = CASES[name]
    data = corpus.file(name)
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)

    code, report = _verify_cli(path, corpus.pki.root_path)
    indication, sub = case.trusted
    sigs = report["signatures"]
    assert len(sigs) == case.signatures, report
    judged = sigs[0]
    assert (judged["indication"], judged["sub_indication"]) == (indication, sub), judged
    assert code == EXIT[report["indication"]] == report["exit_code"], report
    if case.signatures == 1:
        assert report["indication"] == indication
    assert judged["reason"]
    assert judged["modification_level"] == case.modification
    assert judged["intact"] is True and judged["valid"] is True

    party = corpus.party(case.signer)
    assert judged["signer_common_name"] == party.cert.subject.get_attributes_for_oid(tools.NameOID.COMMON_NAME)[0].value
    orgs = party.cert.subject.get_attributes_for_oid(tools.NameOID.ORGANIZATION_NAME)
    assert judged["signer_organisation"] == (orgs[0].value if orgs else "")
    assert judged["signer_serial"] == format(party.cert.serial_number, "X")
    assert ISO_VN.match(judged["signing_time"]), judged["signing_time"]
    assert judged["signature_format"] == case.fmt
    assert judged["pades_level"] == ""  # none of these is PAdES: never called B-B
    assert not judged["format_label"].startswith("PAdES") and "không phải PAdES" in judged["format_label"]

    if indication == "TOTAL_PASSED":
        untrusted_code, untrusted = _verify_cli(path, corpus.other_root)
        assert untrusted_code == 2, untrusted
        assert untrusted["signatures"][-1]["trusted"] is False
        assert untrusted["signatures"][-1]["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND"
        assert "tin cậy" in untrusted["signatures"][-1]["reason"]

    if case.modification in ("NONE", "FORM_FILLING"):
        tampered = tmp_path / "tampered.pdf"
        tampered.write_bytes(_tampered(data))
        tampered_code, tampered_report = _verify_cli(tampered, corpus.pki.root_path)
        assert tampered_code == 1, tampered_report
        assert tampered_report["signatures"][0]["intact"] is False


def test_vietnamese_names_and_tax_code_reported(corpus):
    report = services.validate_pdf(corpus.file("pdfbox-rsa-sha256"), trust_roots=[corpus.pki.root_path.read_bytes()])
    sig = report.signatures[0]
    assert (sig.signer_common_name, sig.signer_organisation) == (
        "Nguyễn Thị Ánh Tuyết",
        "Công ty Cổ phần Phần mềm Đông Á",
    )
    assert sig.signer_uid == "MST:0100109106"
    bmp = services.validate_pdf(corpus.file("hand-ecdsa-p256"), trust_roots=[corpus.pki.root_path.read_bytes()])
    assert (bmp.signatures[0].signer_common_name, bmp.signatures[0].signer_uid) == (
        "Trần Đức Hưng",
        "CCCD:027089001234",
    )


def test_no_url_embedded_in_a_file_is_fetched(corpus):
    """The networked signer's certificate names OCSP, CRL and CA-issuer URLs on a socket that records every
    connection: validating (in the isolated worker and in-process) must not open a single one."""
    roots = [corpus.pki.root_path.read_bytes()]
    for name in ("hand-urls-without-revocation-data", "hand-adobe-revocation-archival"):
        data = corpus.file(name)
        assert services.validate_pdf(data, trust_roots=roots).signatures[0].signer_common_name == "Lê Văn Mạng"
        assert services.validate_pdf(data, trust_roots=roots, isolated=False).signatures
    assert corpus.recorder.connections == []


def test_unknown_subfilter_is_a_signature_not_no_signature(corpus):
    data = corpus.file("hand-pkcs7-detached").replace(
        b"/SubFilter /adbe.pkcs7.detached", b"/SubFilter /x.vendor.custom.sig"
    )
    report = services.validate_pdf(data, trust_roots=[corpus.pki.root_path.read_bytes()])
    assert (report.indication, report.exit_code) == ("INDETERMINATE", 2), report.to_dict()
    assert report.signatures[0].sub_indication == "FORMAT_FAILURE"
    assert "không được hỗ trợ" in explain.signature_reason(report.signatures[0])


def test_libreoffice_file_is_libreoffices_own(corpus):
    """The LibreOffice case really is LibreOffice's output, with the quirks of its PDF writer and NSS CMS, and
    poppler (another validator) finds its signature valid too."""
    from asn1crypto import cms
    from pypdf import PdfReader

    data = corpus.file("libreoffice-writer-export")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.producer.startswith("LibreOffice"), reader.metadata
    assert "Công văn thử nghiệm, ký bằng LibreOffice" in reader.pages[0].extract_text()
    sig = reader.get_fields()["Signature1"]["/V"]
    assert (sig["/Filter"], sig["/SubFilter"]) == ("/Adobe.PPKMS", "/adbe.pkcs7.detached")
    assert (sig["/Reason"], sig["/Location"]) == ("Ký duyệt", "Hà Nội")
    # LibreOffice writes the signing time in UTC with a stray apostrophe: "D:20261201151501Z'"
    m_date = sig["/M"]
    assert re.fullmatch(r"D:\d{14}Z'", m_date), m_date
    contents = bytes(sig["/Contents"])
    assert contents[:2] == b"\x30\x80"  # BER, indefinite length (NSS), padded with zeros
    signer_info = cms.ContentInfo.load(contents, strict=False)["content"]["signer_infos"][0]
    attrs = {a["type"].dotted for a in signer_info["signed_attrs"]}
    assert "1.2.840.113549.1.9.16.2.47" in attrs  # ESS signing-certificate-v2 ...
    assert "1.2.840.113549.1.9.5" not in attrs  # ... but no signing-time: the time is only in /M

    report = services.validate_pdf(data, trust_roots=[corpus.pki.root_path.read_bytes()])
    got = dt.datetime.fromisoformat(report.signatures[0].signing_time)
    assert got == dt.datetime.strptime(m_date, "D:%Y%m%d%H%M%SZ'").replace(tzinfo=dt.UTC)
    assert abs(got - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=2)

    path = corpus.dir / "lo-check.pdf"
    path.write_bytes(data)
    listing = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature Type: adbe.pkcs7.detached" in listing and "Signature is Valid." in listing, listing


def test_unparseable_signing_time_is_unknown_not_unreadable(corpus):
    """A /M no date parser understands (and no signing-time in the CMS) leaves the signing time empty: the
    signature is still judged, the file is not "unreadable"."""
    data = corpus.hand(corpus.base, cms_options=tools.CmsOptions(signing_time=False), m_date=b"hom qua")
    report = services.validate_pdf(data, trust_roots=[corpus.pki.root_path.read_bytes()])
    assert (report.indication, report.exit_code) == ("TOTAL_PASSED", 0), report.to_dict()
    assert report.signatures[0].signing_time is None
    assert report.signatures[0].signer_common_name == "Nguyễn Thị Ánh Tuyết"
