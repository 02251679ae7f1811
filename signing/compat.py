"""Every patch of pyHanko's (and asn1crypto's) internals, in one place, with the versions they were tested on.

`install()` applies them (idempotent); `signing.engine` and `signing.validation` call it on import. Each patch is
written up below so it can be offered upstream, and each has a test in `tests/signing/test_compat.py` that fails
when the patch is missing. On a version outside `TESTED`, `install()` warns loudly (log + `RuntimeWarning`, and
`manage.py check` reports `signing.W001`); when a patched function is gone or its signature changed it refuses
(`CompatError`): a patch must never silently land on code it was not written for.

1. **Hex strings read in one pass** (`pyhanko.pdf_utils.generic.read_hex_string_from_stream`). pyHanko reads
   `<...>` one character at a time through a generator; a signature's `/Contents` is 8-30 k hex digits, which made
   reading it the largest single cost of validating a signed PDF here (benchmarks/signing.py). Same contract:
   stream on `<`, returns a PDF string object, `PdfStreamError` on a bad digit or a missing `>`. Upstream: a
   drop-in replacement of the function body.
2. **Memoised RFC 4518 string preparation** (`asn1crypto.x509.NameTypeAndValue._ldap_string_prep`). Run on every
   name comparison during path building (~40 ms per validation with Vietnamese names), and a pure function of its
   input. Upstream (asn1crypto): `functools.lru_cache` on the prepared form.
3. **Lenient cross-reference offsets** (`pyhanko.pdf_utils.xref._attempt_startxref_correction`). pyHanko corrects a
   `startxref` or `/Prev` off by a byte or two. Writers that append to a broken file keep its wrong offset
   (poppler's `pdfsig` writes `/Prev` where the original claimed its table was), so fall back to the nearest
   cross-reference section within 4 KiB of the declared offset. The bytes are not touched. Upstream: a wider
   search window in the non-strict reader.
4. **Lenient `/M` signing time** (`EmbeddedPdfSignature.self_reported_timestamp`). When the CMS has no
   signing-time attribute pyHanko parses the signature dictionary's `/M`, with a parser that rejects
   LibreOffice's `D:20261201151501Z'` (a stray apostrophe after Z) and `Z00'00'`; the error made the whole file
   unreadable. Such UTC forms are read as Z, and any other unparseable `/M` is an unknown signing time, not a
   broken file. Upstream: accept these forms in `parse_pdf_date(strict=False)` and catch the error in the
   property.
"""

from __future__ import annotations

import binascii
import datetime as dt
import functools
import inspect
import logging
import re
import threading
import warnings
from importlib import metadata

__all__ = ["TESTED", "CompatError", "install", "installed", "untested_versions", "uninstall"]

log = logging.getLogger(__name__)

# distribution -> versions every patch was tested against (tests/signing/test_compat.py)
TESTED = {
    "pyHanko": ("0.38.0",),
    "pyhanko-certvalidator": ("0.33.0",),
    "asn1crypto": ("1.5.1",),
}


class CompatError(RuntimeError):
    """A patched function is missing or changed shape: the patch was written for another version."""


def untested_versions(installed_versions: dict[str, str] | None = None) -> list[str]:
    """ "name version" for each installed distribution outside `TESTED` (empty: all tested)."""
    out = []
    for name, tested in TESTED.items():
        version = (installed_versions or {}).get(name) or _version(name)
        if version not in tested:
            out.append(f"{name} {version} (tested: {', '.join(tested)})")
    return out


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def _expect(owner, attr: str, params: tuple[str, ...]):
    """The original `owner.attr`, after checking it still exists with the parameters the patch was written for."""
    try:
        original = inspect.getattr_static(owner, attr)
    except AttributeError:
        raise CompatError(f"{getattr(owner, '__name__', owner)}.{attr} is gone: update signing/compat.py") from None
    function = original.fget if isinstance(original, property) else original
    found = tuple(inspect.signature(function).parameters)
    if found != params:
        raise CompatError(
            f"{getattr(owner, '__name__', owner)}.{attr} takes {found}, the patch expects {params}: "
            "update signing/compat.py"
        )
    return original


# --- 1. hex strings --------------------------------------------------------------------------------------------
_HEX = re.compile(rb"[0-9A-Fa-f]*")
_WHITESPACE = b" \t\r\n\f\x00"


def read_hex_string_from_stream(stream):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.misc import PdfStreamError

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


# --- 2. name preparation ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _prepared(string: str) -> str:
    return _originals["ldap_string_prep"](None, string)


def _ldap_string_prep(self, string):
    return _prepared(string)


# --- 3. cross-reference offsets --------------------------------------------------------------------------------
_XREF_NEAR = re.compile(rb"(?<![A-Za-z])xref\s|\d+\s+\d+\s+obj\s*<<[^>]{0,512}?/Type\s*/XRef\b")


def _attempt_startxref_correction(stream, startxref):
    from pyhanko.pdf_utils.misc import PdfReadError

    try:
        return _originals["startxref_correction"](stream, startxref)
    except PdfReadError:
        low = max(0, startxref - 4096)
        stream.seek(low)
        found = [low + m.start() for m in _XREF_NEAR.finditer(stream.read(8192))]
        if not found:
            raise
        return min(found, key=lambda pos: abs(pos - startxref))


# --- 4. /M signing time ----------------------------------------------------------------------------------------
_M_UTC_TAIL = re.compile(r"Z(?:00'?00)?'*$")


def _self_reported_timestamp(self) -> dt.datetime | None:
    from pyhanko.pdf_utils.generic import parse_pdf_date
    from pyhanko.pdf_utils.misc import PdfReadError

    try:
        return _originals["self_reported_timestamp"].fget(self)
    except PdfReadError:
        try:
            return parse_pdf_date(_M_UTC_TAIL.sub("Z", str(self.sig_object["/M"]).rstrip()), strict=False)
        except (PdfReadError, ValueError):
            return None


# --- installation ----------------------------------------------------------------------------------------------
_lock = threading.Lock()
_originals: dict = {}
_warned = False


def _targets():
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils import generic, xref
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    return [
        ("hex_string", generic, "read_hex_string_from_stream", ("stream",), read_hex_string_from_stream),
        ("ldap_string_prep", asn1_x509.NameTypeAndValue, "_ldap_string_prep", ("self", "string"), _ldap_string_prep),
        (
            "startxref_correction",
            xref,
            "_attempt_startxref_correction",
            ("stream", "startxref"),
            _attempt_startxref_correction,
        ),
        (
            "self_reported_timestamp",
            EmbeddedPdfSignature,
            "self_reported_timestamp",
            ("self",),
            property(_self_reported_timestamp),
        ),
    ]


def install() -> None:
    """Apply every patch once per process (thread-safe); warn on untested versions, refuse on changed targets."""
    global _warned
    with _lock:
        if _originals:
            return
        untested = untested_versions()
        if untested and not _warned:
            _warned = True
            message = f"signing.compat patches pyHanko internals on untested versions: {'; '.join(untested)}"
            log.warning(message)
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        targets = _targets()
        originals = {key: _expect(owner, attr, params) for key, owner, attr, params, _ in targets}
        for _key, owner, attr, _params, replacement in targets:
            setattr(owner, attr, replacement)
        _originals.update(originals)


def uninstall() -> None:
    """Back to stock behaviour (tests show each patch is needed; the benchmark measures its baselines)."""
    with _lock:
        if not _originals:
            return
        for key, owner, attr, _params, _ in _targets():
            setattr(owner, attr, _originals[key])
        _originals.clear()
        _prepared.cache_clear()


def installed() -> bool:
    return bool(_originals)
