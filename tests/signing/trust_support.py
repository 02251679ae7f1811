"""Signing a PDF the way many Vietnamese tools do: the CMS embeds only the signer's certificate."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from signing.devpki import DevPki


def leaf_only_pdf(
    pki: DevPki,
    pdf: bytes,
    *,
    issuer: str = "carrier-ca",
    common_name: str = "Trần Thị Lan",
    not_after: dt.datetime | None = None,
) -> tuple[bytes, object]:
    """(signed PDF, signer certificate): PAdES B-B by a fresh dev-PKI key under `issuer`, the CMS carrying the
    leaf certificate only (no intermediate, no root)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    p12, password = pki.issue_pkcs12(
        common_name=common_name,
        organisation="Công ty TNHH Thử nghiệm Lạng Sơn",
        uid="MST:4900999888",
        issuer=issuer,
        not_after=not_after,
    )
    stock = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=password)
    signer = signers.SimpleSigner(
        signing_cert=stock.signing_cert,
        signing_key=stock.signing_key,
        cert_registry=SimpleCertificateStore.from_certs([stock.signing_cert]),
    )
    meta = signers.PdfSignatureMetadata(field_name="Sig1", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES)
    out = BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf), strict=False), meta, signer=signer, output=out)
    return out.getvalue(), stock.signing_cert
