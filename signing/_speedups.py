"""Two hot spots of validating signed PDFs, fixed on import without changing behaviour.

1. A faster hex-string reader for pyHanko's PDF parser.

pyHanko reads `<...>` hex strings one character at a time through a generator; a signature's /Contents is
8-30 k hex digits, which made reading it the largest single cost of validating a signed PDF here. This reader
has the same contract (stream positioned on `<`, returns a PDF string object, PdfStreamError on bad input).

2. asn1crypto's RFC 4518 string preparation of certificate names (run on every name comparison during path
building, ~40 ms per validation with Vietnamese names) is a pure function of its input: memoised.
"""

from __future__ import annotations

import binascii
import functools
import re

from asn1crypto import x509 as _asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

_HEX = re.compile(rb"[0-9A-Fa-f]*")
_WHITESPACE = b" \t\r\n\f\x00"
_original = generic.read_hex_string_from_stream


def read_hex_string_from_stream(stream):
    stream.read(1)
    start = stream.tell()
    chunks = []
    while True:
        chunk = stream.read(65536)
        if not chunk:
            raise PdfStreamError("Unterminated hex string")
        end = chunk.find(b">")
        if end >= 0:
            chunks.append(chunk[:end])
            break
        chunks.append(chunk)
    raw = b"".join(chunks)
    stream.seek(start + len(raw) + 1)
    digits = raw.translate(None, _WHITESPACE)
    if not _HEX.fullmatch(digits):
        raise PdfStreamError("Unexpected token in hex string")
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


_prep = functools.lru_cache(maxsize=4096)(lambda string: _original_prep(None, string))
_original_prep = _asn1_x509.NameTypeAndValue._ldap_string_prep


def _ldap_string_prep(self, string):
    return _prep(string)


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    _asn1_x509.NameTypeAndValue._ldap_string_prep = _ldap_string_prep


def uninstall() -> None:
    """Back to stock behaviour (the benchmark measures its baselines this way)."""
    generic.read_hex_string_from_stream = _original
    _asn1_x509.NameTypeAndValue._ldap_string_prep = _original_prep


install()
