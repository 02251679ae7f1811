"""The parser speed-ups behave exactly like the pyHanko/asn1crypto code they replace."""

from io import BytesIO

import pytest
from pyhanko.pdf_utils.misc import PdfStreamError

from signing import _speedups


@pytest.mark.parametrize("text", [b"<>", b"<41 42\n43>", b"<414>", b"<0a0B 0c>rest", b"<" + b"ab" * 40000 + b">x"])
def test_hex_reader_matches_pyhanko(text):
    fast, slow = BytesIO(text), BytesIO(text)
    assert _speedups.read_hex_string_from_stream(fast) == _speedups._original(slow)
    assert fast.tell() == slow.tell()


@pytest.mark.parametrize("text", [b"<41 4G>", b"<4142"])
def test_hex_reader_rejects_what_pyhanko_rejects(text):
    with pytest.raises(PdfStreamError):
        _speedups._original(BytesIO(text))
    with pytest.raises(PdfStreamError):
        _speedups.read_hex_string_from_stream(BytesIO(text))


def test_name_prep_is_the_same():
    from asn1crypto import x509

    value = "  SỞ THÔNG TIN   VÀ TRUYỀN THÔNG "
    assert x509.NameTypeAndValue._ldap_string_prep(None, value) == _speedups._original_prep(None, value)
