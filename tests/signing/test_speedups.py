"""Speed-ups outside `signing.compat` behave exactly like the pyHanko/fontTools code they replace."""

from io import BytesIO

import pytest


# --- CMS: parsed ASN.1 values instead of values re-serialised on every dump ------------------------------------
def _signers(dev_p12):
    from pyhanko.sign import signers

    from signing.keys import load_pkcs12_bytes

    p12, password = dev_p12("user-giamdoc")
    stock = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=password)
    return load_pkcs12_bytes(p12, password).signer, stock


@pytest.mark.parametrize("use_pades", [True, False])
def test_cms_signature_is_byte_identical_to_stock_simple_signer(signing_pki, dev_p12, use_pades):
    """RSA PKCS#1 v1.5 is deterministic: the same digest gives the same CMS, attribute for attribute."""
    import asyncio
    import datetime as dt
    import hashlib

    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    ours, stock = _signers(dev_p12)
    digest = hashlib.sha256(b"the signed byte ranges").digest()
    settings = PdfCMSSignedAttributes(signing_time=dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC))

    def sign(signer):
        return asyncio.run(
            signer.async_sign(digest, "sha256", use_pades=use_pades, signed_attr_settings=settings)
        ).dump()

    fast = sign(ours)
    assert fast == sign(stock)
    assert sign(ours) == fast  # and again with the signer's cached signing-certificate-v2 value


def test_signed_attributes_dump_their_stored_bytes(signing_pki, dev_p12):
    import asyncio
    import hashlib

    ours, stock = _signers(dev_p12)
    digest = hashlib.sha256(b"x").digest()
    assert asyncio.run(stock.signed_attrs(digest, "sha256", use_pades=True))._is_mutated()
    assert not asyncio.run(ours.signed_attrs(digest, "sha256", use_pades=True))._is_mutated()


# --- the stamp font: subset by copying glyph records ------------------------------------------------------------
def _prepared_font_path() -> str:
    from django.conf import settings

    from signing.appearance import prepared_font

    return prepared_font(settings.SIGNING_STAMP_FONT, settings.SIGNING_CACHE_DIR)


def _file_checksum(data: bytes) -> int:
    import struct

    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def test_stamp_font_program_holds_exactly_the_used_glyphs():
    from fontTools.ttLib import TTFont

    from signing.fonts import stamp_font

    font = stamp_font(_prepared_font_path())
    original = TTFont(_prepared_font_path())
    cmap = original.getBestCmap()
    used = {original.getGlyphID(cmap[ord(ch)]) for ch in "Nguyễn Văn Bình ký ỹ"}
    program = font.program(used)

    subset = TTFont(BytesIO(program), checkChecksums=2)  # a wrong table checksum raises
    assert _file_checksum(program) == 0xB1B0AFBA  # head.checkSumAdjustment
    assert subset.getGlyphOrder() == original.getGlyphOrder()  # glyph ids kept (/CIDToGIDMap /Identity)
    assert subset["hmtx"].metrics == original["hmtx"].metrics
    assert not {"GSUB", "GPOS", "GDEF"} & set(subset.keys())
    glyf, orig_glyf = subset["glyf"], original["glyf"]
    composite = next(g for g in used if orig_glyf[original.getGlyphName(g)].isComposite())  # "ễ" is
    components = {
        original.getGlyphID(n) for n in orig_glyf[original.getGlyphName(composite)].getComponentNames(orig_glyf)
    }
    assert components
    for gid in used | components | {0}:
        name = original.getGlyphName(gid)
        assert glyf[name].getCoordinates(glyf)[0] == orig_glyf[name].getCoordinates(orig_glyf)[0], name
    unused = original.getGlyphID(cmap[ord("Z")])
    assert unused not in used | components
    assert glyf[original.getGlyphName(unused)].numberOfContours == 0
    assert font.program(used) == program  # no state carried from one signature to the next
