"""Independent PDF signers for the interoperability corpus of `test_interop.py`.

Nothing here uses pyHanko to make a signature: the PKI is built with `cryptography`, and the signers are
Apache PDFBox 2 + BouncyCastle (a Java program compiled at test time), poppler's `pdfsig` (NSS),
pypdf (incremental annotations), and a hand-written incremental writer + CMS builder (asn1crypto) for the
variants no tool makes on demand (adbe.pkcs7.sha1, adbe.x509.rsa_sha1, RSASSA-PSS, no signed attributes, ...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import asn1crypto.pdf  # noqa: F401 - registers the adobe-revocationInfoArchival attribute
from asn1crypto import algos, cms, core, crl
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VN_TZ = dt.timezone(dt.timedelta(hours=7))
JAVA_SOURCE = Path(__file__).parent / "interop_java" / "InteropSigner.java"
JAVA_CLASSPATH = [
    "/usr/share/java/pdfbox2.jar",
    "/usr/share/java/fontbox2.jar",
    "/usr/share/java/commons-logging.jar",
    "/usr/share/java/bcprov.jar",
    "/usr/share/java/bcpkix.jar",
    "/usr/share/java/bcutil.jar",
]
P12_PASSWORD = "interop-1234"


# --- a listener that records every connection (no URL from a file may be fetched) ----------------------------
class ConnectionRecorder:
    """A loopback TCP socket that accepts, records and closes every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def _run(self) -> None:
        while True:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            self.connections.append(addr)
            conn.close()

    def close(self) -> None:
        self.sock.close()


# --- PKI ----------------------------------------------------------------------------------------------------
@dataclass
class Party:
    name: str
    key: object
    cert: x509.Certificate
    chain: list[x509.Certificate]  # issuers, nearest first, without the root
    p12_path: Path

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def _name(*attrs: tuple) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value, *rest) for oid, value, *rest in attrs])


@dataclass
class InteropPki:
    """Root → intermediate → signers, none of them known to the project's own dev PKI."""

    directory: Path
    recorder_url: str = ""
    parties: dict[str, Party] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        self.now = now
        self.root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root_name = _name((NameOID.COUNTRY_NAME, "VN"), (NameOID.COMMON_NAME, "Interop Test Root CA"))
        self.root = self._ca_cert(root_name, self.root_key.public_key(), root_name, self.root_key, path_len=1)
        self.inter_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        inter_name = _name(
            (NameOID.COUNTRY_NAME, "VN"),
            (NameOID.ORGANIZATION_NAME, "Tổ chức chứng thực thử nghiệm"),
            (NameOID.COMMON_NAME, "Interop Test CA 2"),
        )
        self.inter = self._ca_cert(inter_name, self.inter_key.public_key(), root_name, self.root_key, path_len=0)
        self.root_path = self.directory / "root.pem"
        self.root_path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        self.inter_path = self.directory / "inter.pem"
        self.inter_path.write_bytes(self.inter.public_bytes(serialization.Encoding.PEM))

        self.add(
            "rsa",
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
            _name(
                (NameOID.COUNTRY_NAME, "VN"),
                (NameOID.STATE_OR_PROVINCE_NAME, "Hà Nội"),
                (NameOID.ORGANIZATION_NAME, "Công ty Cổ phần Phần mềm Đông Á"),
                (NameOID.USER_ID, "MST:0100109106"),
                (NameOID.COMMON_NAME, "Nguyễn Thị Ánh Tuyết"),
            ),
        )
        self.add(
            "ec",
            ec.generate_private_key(ec.SECP256R1()),
            _name(
                (NameOID.COUNTRY_NAME, "VN"),
                # some older Vietnamese CA software writes BMPString
                (NameOID.ORGANIZATION_NAME, "Sở Tài chính tỉnh Bắc Ninh", x509.name._ASN1Type.BMPString),
                (NameOID.USER_ID, "CCCD:027089001234"),
                (NameOID.COMMON_NAME, "Trần Đức Hưng", x509.name._ASN1Type.BMPString),
            ),
        )
        if self.recorder_url:
            self.add(
                "networked",
                rsa.generate_private_key(public_exponent=65537, key_size=2048),
                _name((NameOID.COMMON_NAME, "Lê Văn Mạng"), (NameOID.ORGANIZATION_NAME, "Công ty Mạng")),
                urls=True,
            )
        self.add(
            "expired",
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
            _name((NameOID.COMMON_NAME, "Phạm Hết Hạn")),
            not_after=now - dt.timedelta(days=30),
        )

    def _ca_cert(self, subject, public_key, issuer, issuer_key, *, path_len: int) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - dt.timedelta(days=400))
            .not_valid_after(self.now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_len), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        if issuer_key is not None and subject != issuer:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    def add(
        self, name: str, key, subject: x509.Name, *, urls: bool = False, not_after: dt.datetime | None = None
    ) -> Party:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.inter.subject)
            .public_key(key.public_key())
            # large serials, as public CAs issue (printed in hex by the report)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - dt.timedelta(days=365))
            .not_valid_after(not_after or self.now + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.inter_key.public_key()), critical=False
            )
        )
        if urls:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            x509.AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(self.recorder_url + "ocsp"),
                        ),
                        x509.AccessDescription(
                            x509.AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(self.recorder_url + "ca.crt"),
                        ),
                    ]
                ),
                critical=False,
            ).add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(self.recorder_url + "ca.crl")], None, None, None
                        )
                    ]
                ),
                critical=False,
            )
        cert = builder.sign(self.inter_key, hashes.SHA256())
        p12 = self.directory / f"{name}.p12"
        p12.write_bytes(
            pkcs12.serialize_key_and_certificates(
                name.encode(),
                key,
                cert,
                [self.inter, self.root],
                serialization.BestAvailableEncryption(P12_PASSWORD.encode()),
            )
        )
        party = Party(name=name, key=key, cert=cert, chain=[self.inter], p12_path=p12)
        self.parties[name] = party
        return party

    def crl_der(self, revoked: list[int] = ()) -> bytes:
        """A CRL of the intermediate (the issuer of every signer)."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.inter.subject)
            .last_update(self.now - dt.timedelta(hours=1))
            .next_update(self.now + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.inter_key.public_key()), critical=False
            )
        )
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(self.now).build()
            )
        return builder.sign(self.inter_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def other_root_pem(directory: Path) -> Path:
    """A root CA that signed nothing in the corpus (for "untrusted root")."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name((NameOID.COMMON_NAME, "Unrelated Root CA"))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / "other-root.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


# --- base documents -----------------------------------------------------------------------------------------
def with_object_streams(pdf: bytes, directory: Path) -> bytes:
    """The same document rewritten by qpdf with object streams and a cross-reference stream."""
    src, dst = directory / "objstm-in.pdf", directory / "objstm-out.pdf"
    src.write_bytes(pdf)
    subprocess.run(["qpdf", "--object-streams=generate", str(src), str(dst)], check=True, timeout=60)
    return dst.read_bytes()


def with_broken_xref_offsets(pdf: bytes) -> bytes:
    """Every xref offset off by 37 bytes (a comment inserted after the header), as broken writers leave it."""
    head_end = pdf.index(b"\n", pdf.index(b"\n") + 1) + 1
    return pdf[:head_end] + b"%" + b"x" * 35 + b"\n" + pdf[head_end:]


def hybrid_reference(pdf: bytes) -> bytes:
    """A hybrid-reference file (PDF 1.5 §7.5.8.4): a classic table for old readers, plus /XRefStm pointing to a
    cross-reference stream that locates an extra object kept in an object stream (here: the document Info)."""
    m = re.search(rb"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)", pdf, re.S)
    size = int(re.search(rb"/Size (\d+)", m.group(1)).group(1))
    info_num, objstm_num, xrefstm_num = size, size + 1, size + 2
    prefix = pdf[: pdf.rindex(b"xref", 0, m.start())]
    inner = b"<< /Producer (Hybrid test) /Title (Van ban lai) >>"
    header = b"%d 0 " % info_num
    objstm = b"%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s%s\nendstream\nendobj\n" % (
        objstm_num,
        len(header),
        len(header) + len(inner),
        header,
        inner,
    )
    out = bytearray(prefix)
    objstm_off = len(out)
    out += objstm
    xrefstm_off = len(out)
    rows = bytes([2]) + objstm_num.to_bytes(4, "big") + (0).to_bytes(2, "big")
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%d 1] /Length %d >>\nstream\n%s\nendstream\nendobj\n"
        % (xrefstm_num, xrefstm_num + 1, info_num, len(rows), rows)
    )
    # the classic table: the old entries, the object stream and the xref stream (never the compressed object)
    table = re.search(rb"xref\s*0 (\d+)\s*\n(.*?)trailer", pdf[m.start() - 100000 if m.start() > 100000 else 0 :], re.S)
    entries = table.group(2)
    xref_off = len(out)
    out += b"xref\n0 %d\n%s" % (size, entries)
    out += b"%d 2\n%010d 00000 n \n%010d 00000 n \n" % (objstm_num, objstm_off, xrefstm_off)
    trailer = m.group(1).replace(b"/Size %d" % size, b"/Size %d" % (xrefstm_num + 1))
    out += b"trailer\n<<%s /Info %d 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        trailer,
        info_num,
        xrefstm_off,
        xref_off,
    )
    return bytes(out)


def add_annotation_with_pypdf(pdf: bytes) -> bytes:
    """A sticky note added in an incremental update by pypdf (another tool, after signing)."""
    from pypdf import PdfWriter
    from pypdf.annotations import Text

    writer = PdfWriter(BytesIO(pdf), incremental=True)
    writer.add_annotation(page_number=0, annotation=Text(text="Đã xem, đồng ý", rect=(50, 550, 200, 650)))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def change_page_content_with_pypdf(pdf: bytes) -> bytes:
    """The visible text of page 1 replaced in an incremental update (a forbidden change)."""
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream, NameObject

    writer = PdfWriter(BytesIO(pdf), incremental=True)
    page = writer.pages[0]
    content = ContentStream(None, None)
    content.set_data(b"BT /F1 40 Tf 100 400 Td (DA SUA) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# --- hand-built signatures ----------------------------------------------------------------------------------
def _pdf_date(when: dt.datetime) -> bytes:
    when = when.astimezone(VN_TZ)
    return when.strftime("D:%Y%m%d%H%M%S+07'00'").encode()


def _digest(md: str, data: bytes) -> bytes:
    return hashlib.new(md, data).digest()


def _hash_algo(md: str):
    # legacy signers still write SHA-1: the corpus must contain it
    return {"sha1": hashes.SHA1(), "sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[  # noqa: S303
        md
    ]


def _raw_sign(key, data: bytes, md: str, scheme: str) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(_hash_algo(md)))
    if scheme == "pss":
        return key.sign(data, padding.PSS(mgf=padding.MGF1(_hash_algo(md)), salt_length=32), _hash_algo(md))
    return key.sign(data, padding.PKCS1v15(), _hash_algo(md))


def _signature_algorithm(key, md: str, scheme: str) -> cms.SignedDigestAlgorithm:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return cms.SignedDigestAlgorithm({"algorithm": f"{md}_ecdsa"})
    if scheme == "pss":
        return cms.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pss",
                "parameters": algos.RSASSAPSSParams(
                    {
                        "hash_algorithm": {"algorithm": md},
                        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": md}},
                        "salt_length": 32,
                    }
                ),
            }
        )
    # rsaEncryption, as most signers write it (not sha256WithRSAEncryption)
    return cms.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})


@dataclass
class CmsOptions:
    md: str = "sha256"
    scheme: str = "pkcs1"  # or "pss" (RSA keys); EC keys always use ECDSA
    signed_attrs: bool = True
    signing_time: bool = True
    sha1_encapsulated: bool = False  # adbe.pkcs7.sha1: the SHA-1 of the byte range is the signed content
    certs: list[x509.Certificate] | None = None  # default: signer + intermediate
    revocation_archival_crl: bytes | None = None  # Adobe style: a CRL inside the signed attributes
    signed_data_crl: bytes | None = None  # in SignedData.crls, as Java/iText tools do


def build_cms(data: bytes, party: Party, opts: CmsOptions, when: dt.datetime) -> bytes:
    md = opts.md
    if opts.sha1_encapsulated:
        content = _digest("sha1", data)
        encap = {"content_type": "data", "content": content}
        to_digest = content
    else:
        encap = {"content_type": "data"}
        to_digest = data
    certs = opts.certs if opts.certs is not None else [party.cert, *party.chain]
    cert_choices = [
        cms.CertificateChoices(
            name="certificate", value=ax509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        )
        for c in certs
    ]
    acert = ax509.Certificate.load(party.cert_der)
    signer_info: dict = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": acert.issuer, "serial_number": acert.serial_number},
        ),
        "digest_algorithm": {"algorithm": md},
        "signature_algorithm": _signature_algorithm(party.key, md, opts.scheme),
    }
    if opts.signed_attrs:
        attrs = [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "message_digest", "values": [_digest(md, to_digest)]}),
        ]
        if opts.signing_time:
            attrs.append(cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": when})]}))
        if opts.revocation_archival_crl is not None:
            archival = asn1crypto.pdf.RevocationInfoArchival(
                {"crl": [crl.CertificateList.load(opts.revocation_archival_crl)]}
            )
            attrs.append(cms.CMSAttribute({"type": "adobe_revocation_info_archival", "values": [archival]}))
        signed_attrs = cms.CMSAttributes(attrs)
        signer_info["signed_attrs"] = signed_attrs
        signature = _raw_sign(party.key, signed_attrs.dump(), md, opts.scheme)
    else:
        signature = _raw_sign(party.key, to_digest, md, opts.scheme)
    signer_info["signature"] = signature
    signed_data = {
        "version": "v1",
        "digest_algorithms": [{"algorithm": md}],
        "encap_content_info": encap,
        "certificates": cert_choices,
        "signer_infos": [cms.SignerInfo(signer_info)],
    }
    if opts.signed_data_crl is not None:
        signed_data["crls"] = [
            cms.RevocationInfoChoice(name="crl", value=crl.CertificateList.load(opts.signed_data_crl))
        ]
    return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)}).dump()


def _pypdf_bytes(obj) -> bytes:
    buf = BytesIO()
    obj.write_to_stream(buf)
    return buf.getvalue()


def hand_sign(
    pdf: bytes,
    party: Party,
    *,
    subfilter: str = "adbe.pkcs7.detached",
    cms_options: CmsOptions | None = None,
    when: dt.datetime | None = None,
    field_name: str = "ChuKy1",
    reserve: int = 16384,
    docmdp: int | None = None,
    m_date: bytes | None = None,
) -> bytes:
    """Append one incremental revision with a signature field, written byte by byte (classic xref table when the
    file has one, a cross-reference stream otherwise), and fill /Contents with a CMS (or, for
    adbe.x509.rsa_sha1, a PKCS#1 signature with the certificates in /Cert). `m_date` replaces the `/M` value as
    written (e.g. LibreOffice's `D:...Z'`)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject

    opts = cms_options or CmsOptions()
    when = when or dt.datetime.now(VN_TZ)
    reader = PdfReader(BytesIO(pdf), strict=False)
    startxref = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    classic = pdf[startxref : startxref + 4] == b"xref"
    size = int(reader.trailer["/Size"])
    root_ref = reader.trailer.raw_get("/Root")
    catalog = reader.get_object(root_ref)
    page_ref = reader.pages[0].indirect_reference
    page = reader.get_object(page_ref)
    sig_num, widget_num = size, size + 1
    next_num = size + 2

    def ref(num: int) -> IndirectObject:
        return IndirectObject(num, 0, reader)

    updates: dict[int, bytes] = {}
    new_page = DictionaryObject(page)
    annots = ArrayObject(list(page.get("/Annots", ArrayObject())))
    annots.append(ref(widget_num))
    new_page[NameObject("/Annots")] = annots
    updates[page_ref.idnum] = _pypdf_bytes(new_page)
    new_catalog = DictionaryObject(catalog)
    acro_raw = catalog.raw_get("/AcroForm") if "/AcroForm" in catalog else None
    if isinstance(acro_raw, IndirectObject):
        acro = DictionaryObject(reader.get_object(acro_raw))
    else:
        acro = DictionaryObject(acro_raw or {})
    fields = ArrayObject(list(acro.get("/Fields", ArrayObject())))
    fields.append(ref(widget_num))
    acro[NameObject("/Fields")] = fields
    acro[NameObject("/SigFlags")] = NumberObject(3)
    if isinstance(acro_raw, IndirectObject):
        updates[acro_raw.idnum] = _pypdf_bytes(acro)
    else:
        new_catalog[NameObject("/AcroForm")] = acro
    perms = b""
    if docmdp is not None:  # a certification signature: /Perms in the catalog, /Reference in the signature
        new_catalog[NameObject("/Perms")] = DictionaryObject({NameObject("/DocMDP"): ref(sig_num)})
        perms = (
            b" /Reference [<< /Type /SigRef /TransformMethod /DocMDP /DigestMethod /SHA256"
            b" /TransformParams << /Type /TransformParams /P %d /V /1.2 >> >>]" % docmdp
        )
    updates[root_ref.idnum] = _pypdf_bytes(new_catalog)

    placeholder = b"/ByteRange [0 ********** ********** **********]"
    cert_entry = b""
    if subfilter == "adbe.x509.rsa_sha1":
        certs = opts.certs if opts.certs is not None else [party.cert, *party.chain]
        der = [c.public_bytes(serialization.Encoding.DER) for c in certs]
        cert_entry = b" /Cert [" + b" ".join(b"<" + d.hex().encode() + b">" for d in der) + b"]"
    sig_obj = (
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /" + subfilter.encode() + b" " + placeholder
        + b" /Contents <" + b"0" * (2 * reserve) + b"> /M (" + (m_date or _pdf_date(when)) + b")"
        + b" /Reason (Ky duyet)" + cert_entry + perms + b" >>"
    )  # fmt: skip
    widget = b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /V %d 0 R /F 132 /Rect [0 0 0 0] /P %d 0 R >>" % (
        field_name.encode(),
        sig_num,
        page_ref.idnum,
    )
    objects = {**updates, sig_num: sig_obj, widget_num: widget}

    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objects[num])
    trailer_id = b""
    if "/ID" in reader.trailer:
        trailer_id = b" /ID " + _pypdf_bytes(reader.trailer["/ID"])
    if classic:
        xref_off = len(out)
        out += b"xref\n"
        for num in sorted(offsets):
            out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
        out += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d%s >>\n" % (next_num, root_ref.idnum, startxref, trailer_id)
    else:
        xref_num = next_num
        xref_off = len(out)
        offsets[xref_num] = xref_off
        rows = b"".join(b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in sorted(offsets))
        index = b" ".join(b"%d 1" % n for n in sorted(offsets))
        out += (
            b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] /Root %d 0 R /Prev %d%s /Length %d >>\n"
            b"stream\n%s\nendstream\nendobj\n"
            % (xref_num, xref_num + 1, index, root_ref.idnum, startxref, trailer_id, len(rows), rows)
        )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_off

    contents_start = out.index(b"/Contents <", offsets[sig_num]) + len(b"/Contents ")
    contents_end = contents_start + 2 * reserve + 2
    byte_range = b"/ByteRange [0 %d %d %d]" % (contents_start, contents_end, len(out) - contents_end)
    br_at = out.index(placeholder, offsets[sig_num])
    out[br_at : br_at + len(placeholder)] = byte_range.ljust(len(placeholder))
    data = bytes(out[:contents_start] + out[contents_end:])
    if subfilter == "adbe.x509.rsa_sha1":
        value = core.OctetString(party.key.sign(data, padding.PKCS1v15(), hashes.SHA1())).dump()  # noqa: S303
    else:
        value = build_cms(data, party, opts, when)
    hexed = value.hex().encode()
    assert len(hexed) <= 2 * reserve, "signature larger than the reserved /Contents"
    out[contents_start + 1 : contents_start + 1 + len(hexed)] = hexed
    return bytes(out)


# --- PDFBox -------------------------------------------------------------------------------------------------
def compile_pdfbox_signer(directory: Path) -> Path:
    missing = [jar for jar in JAVA_CLASSPATH if not Path(jar).exists()]
    if shutil.which("javac") is None or missing:
        raise RuntimeError(
            f"PDFBox signer needs javac and {missing}: run `scripts/ensure_system_deps.sh test` (make test does)"
        )
    subprocess.run(
        ["javac", "-cp", ":".join(JAVA_CLASSPATH), "-d", str(directory), str(JAVA_SOURCE)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return directory


def pdfbox_sign(
    classes: Path,
    pdf: bytes,
    party: Party,
    *,
    algorithm: str = "SHA256withRSA",
    chain: str = "full",
    when: dt.datetime | None = None,
) -> bytes:
    src, dst = classes / f"in-{party.name}.pdf", classes / f"out-{party.name}.pdf"
    src.write_bytes(pdf)
    args = [str(src), str(dst), str(party.p12_path), P12_PASSWORD, algorithm, chain, party.name]
    if when is not None:
        args.append(str(int(when.timestamp())))
    proc = subprocess.run(
        ["java", "-Xshare:auto", "-cp", ":".join([*JAVA_CLASSPATH, str(classes)]), "InteropSigner", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"PDFBox signer failed: {proc.stderr[-2000:]}")
    return dst.read_bytes()


# --- poppler pdfsig -----------------------------------------------------------------------------------------
def nss_database(party: Party, directory: Path) -> Path:
    """An NSS database (empty password) holding the party's key, certificate and chain."""
    nss = directory / f"nss-{party.name}-{party.cert.serial_number:x}"
    if not nss.exists():
        nss.mkdir()
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
        subprocess.run(
            ["pk12util", "-i", str(party.p12_path), "-d", f"sql:{nss}", "-W", P12_PASSWORD],
            check=True,
            capture_output=True,
        )
    return nss


def pdfsig_sign(pdf: bytes, party: Party, directory: Path, *, digest: str = "SHA256") -> bytes:
    nss = nss_database(party, directory)
    listing = subprocess.run(["certutil", "-L", "-d", f"sql:{nss}"], check=True, capture_output=True, text=True)
    nick = next(line for line in listing.stdout.splitlines() if line.rstrip().endswith("u,u,u")).rsplit(None, 1)[0]
    src, dst = directory / f"pdfsig-in-{party.name}.pdf", directory / f"pdfsig-out-{party.name}.pdf"
    src.write_bytes(pdf)
    dst.unlink(missing_ok=True)
    subprocess.run(
        ["pdfsig", "-add-signature", "-nssdir", f"sql:{nss}", "-nick", nick, "-digest", digest, str(src), str(dst)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return dst.read_bytes()


# --- LibreOffice --------------------------------------------------------------------------------------------
LO_SIGNER = Path(__file__).parent / "interop_lo_sign.py"
LO_PYTHON = "/usr/bin/python3"  # Debian's: the only interpreter that sees python3-uno's `uno`
LO_DEADLINE = 90.0


def libreoffice_sign(party: Party, directory: Path, *, reason: str = "Ký duyệt", location: str = "Hà Nội") -> bytes:
    """A Writer document exported to PDF and signed by LibreOffice itself (`interop_lo_sign.py`, run with
    Debian's python3 against a headless soffice that reads the party's key from an NSS database)."""
    probe = (
        subprocess.run([LO_PYTHON, "-c", "import uno"], capture_output=True, text=True)
        if Path(LO_PYTHON).exists()
        else None
    )
    if shutil.which("soffice") is None or probe is None or probe.returncode != 0:
        raise RuntimeError(
            "LibreOffice signer needs soffice (libreoffice-writer-nogui) and python3-uno for /usr/bin/python3: "
            "run `scripts/ensure_system_deps.sh test` (make test does)"
        )
    nss = nss_database(party, directory)
    out = directory / f"lo-signed-{party.name}.pdf"
    profile = directory / f"lo-profile-{party.name}"
    pidfile = directory / f"lo-soffice-{party.name}.pid"
    args = [LO_PYTHON, str(LO_SIGNER), str(out), "--nss", str(nss), "--profile", str(profile)]
    args += ["--serial", format(party.cert.serial_number, "X"), "--reason", reason, "--location", location]
    args += ["--pidfile", str(pidfile), "--deadline", str(LO_DEADLINE)]
    try:
        # TZ=UTC: LibreOffice then writes /M as "D:...Z'", which pyHanko's date parser rejects (the case to
        # cover; with a local offset it writes "+07'00'", as the other signers do)
        env = {**os.environ, "TZ": "UTC"}
        proc = subprocess.run(args, capture_output=True, text=True, timeout=LO_DEADLINE + 30, env=env)
    finally:
        _kill_soffice_group(pidfile, profile)
    if proc.returncode != 0 or not out.exists():
        log = profile.parent / f"{profile.name}.log"
        soffice_log = log.read_text(errors="replace")[-1000:] if log.exists() else ""
        raise RuntimeError(f"LibreOffice signer failed ({proc.returncode}): {proc.stderr[-2000:]}\n{soffice_log}")
    return out.read_bytes()


def _kill_soffice_group(pidfile: Path, profile: Path) -> None:
    """The helper kills its soffice itself; this is for a helper killed by the timeout. The group is killed only
    while one of its processes still runs with this very profile (never a reused process id)."""
    if not pidfile.exists():
        return
    pgid = int(pidfile.read_text())
    for proc_dir in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc_dir / "cmdline").read_bytes()
            stat = (proc_dir / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[2]) == pgid and str(profile).encode() in cmdline:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return
