"""Each patch of `signing.compat` is needed: a test per patch fails when the patch is removed (`uninstall()`)."""

from __future__ import annotations

import datetime as dt
import warnings
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfReadError, PdfStreamError
from pyhanko.pdf_utils.reader import PdfFileReader

from signing import compat
from tests.signing import interop_tools as tools
from tests.signing_support import sample_pdf


@pytest.fixture
def stock():
    """pyHanko as shipped for the duration of the block, the patches back afterwards."""
    compat.uninstall()
    try:
        yield
    finally:
        compat.install()


def test_versions_are_the_tested_ones():
    assert compat.untested_versions() == []
    assert compat.untested_versions({"pyHanko": "0.39.0"}) == ["pyHanko 0.39.0 (tested: 0.38.0)"]


def test_an_untested_version_warns_loudly_and_django_check_reports_it(monkeypatch, stock, caplog):
    from signing.apps import check_compat_versions

    monkeypatch.setitem(compat.TESTED, "pyHanko", ("0.1.0",))
    monkeypatch.setattr(compat, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compat.install()
    assert any("untested versions: pyHanko 0.38.0" in str(w.message) for w in caught)
    assert "untested versions" in caplog.text
    assert [m.id for m in check_compat_versions()] == ["signing.W001"]


def test_a_changed_target_is_refused(monkeypatch, stock):
    def read_hex_string_from_stream(stream, strict):  # a new parameter: the patch no longer fits
        raise AssertionError

    monkeypatch.setattr(generic, "read_hex_string_from_stream", read_hex_string_from_stream)
    with pytest.raises(compat.CompatError, match="read_hex_string_from_stream"):
        compat.install()
    assert generic.read_hex_string_from_stream is read_hex_string_from_stream  # nothing half-applied
    monkeypatch.undo()


# --- 1. hex strings -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [b"<>", b"<41 42\n43>", b"<414>", b"<0a0B 0c>rest", b"<" + b"ab" * 40000 + b">x"])
def test_hex_reader_matches_pyhanko(text, stock):
    fast, slow = BytesIO(text), BytesIO(text)
    assert compat.read_hex_string_from_stream(fast) == generic.read_hex_string_from_stream(slow)
    assert fast.tell() == slow.tell()


@pytest.mark.parametrize("text", [b"<41 4G>", b"<4142"])
def test_hex_reader_rejects_what_pyhanko_rejects(text, stock):
    with pytest.raises(PdfStreamError):
        generic.read_hex_string_from_stream(BytesIO(text))
    with pytest.raises(PdfStreamError):
        compat.read_hex_string_from_stream(BytesIO(text))


def test_pyhanko_parser_reads_hex_strings_through_the_patch():
    """pyHanko's object reader looks the function up at call time, so the patch is what parses /Contents."""
    compat.install()
    assert generic.read_hex_string_from_stream is compat.read_hex_string_from_stream
    assert "read_hex_string_from_stream" in generic.read_object.__code__.co_names
    assert generic.read_object(BytesIO(b"<4142>"), None) == "AB"


# --- 2. name preparation --------------------------------------------------------------------------------------
def test_name_preparation_is_memoised_and_the_same(stock):
    from asn1crypto import x509

    value = "  SỞ THÔNG TIN   VÀ TRUYỀN THÔNG "
    expected = x509.NameTypeAndValue._ldap_string_prep(None, value)
    compat.install()
    name = x509.Name.build({"common_name": value, "country_name": "VN"})
    other = x509.Name.build({"common_name": value.lower(), "country_name": "VN"})
    before = compat._prepared.cache_info().hits
    assert name == other and name == other  # RFC 4518 comparison: case and inner spaces folded
    assert compat._prepared.cache_info().hits > before
    assert x509.NameTypeAndValue._ldap_string_prep(None, value) == expected


# --- 3. cross-reference offsets -------------------------------------------------------------------------------
def _startxref_off_by(pdf: bytes, delta: int) -> bytes:
    head, _, tail = pdf.rpartition(b"startxref\n")
    offset, _, rest = tail.partition(b"\n")
    return head + b"startxref\n%d\n" % (int(offset) + delta) + rest


def test_an_xref_offset_far_off_is_found_nearby():
    """As poppler leaves `/Prev` when it appends to a broken file: 100 bytes before the table."""
    broken = _startxref_off_by(sample_pdf(1), -100)
    compat.install()
    assert PdfFileReader(BytesIO(broken), strict=False).root["/Pages"]["/Count"] == 1
    compat.uninstall()
    try:
        with pytest.raises(PdfReadError):
            PdfFileReader(BytesIO(broken), strict=False).root["/Pages"]["/Count"]
    finally:
        compat.install()


# --- 4. /M signing time ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def libreoffice_style_m(tmp_path_factory) -> bytes:
    """A signature whose CMS has no signing-time and whose /M is LibreOffice's D:...Z' (stray apostrophe)."""
    pki = tools.InteropPki(tmp_path_factory.mktemp("pki"))
    return tools.hand_sign(
        sample_pdf(1),
        pki.parties["rsa"],
        cms_options=tools.CmsOptions(signed_attrs=True, signing_time=False),
        m_date=b"D:20261201151501Z'",
    )


def test_libreoffice_m_date_is_read_as_utc(libreoffice_style_m):
    compat.install()
    sig = PdfFileReader(BytesIO(libreoffice_style_m), strict=False).embedded_signatures[0]
    assert sig.self_reported_timestamp == dt.datetime(2026, 12, 1, 15, 15, 1, tzinfo=dt.UTC)
    compat.uninstall()
    try:
        sig = PdfFileReader(BytesIO(libreoffice_style_m), strict=False).embedded_signatures[0]
        with pytest.raises(PdfReadError):
            sig.self_reported_timestamp  # noqa: B018
    finally:
        compat.install()
