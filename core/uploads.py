"""What an uploaded office file is, read from its bytes, never from its name (issue 11, holes 2 and 8).

`identify_document` accepts only what a dispatch needs (PDF, DOCX, XLSX, ODT) and says which it is; anything else
(HTML, SVG, scripts, macro-enabled Office files, archives that only look like one) is refused. `open_zip` opens
an OOXML/ODF container within limits on its members, their total size and their compression ratio, so a zip bomb
is refused from its directory before anything is inflated; `read_member` never inflates more than its limit.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.errors import UserError


class UploadRefused(UserError):
    """The uploaded file is not one of the accepted formats, or is too large or malformed."""


class ZipLimitExceeded(UploadRefused):
    """A zip container whose directory is past the limits (a zip bomb, or far too large)."""


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 2000
    max_member_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 128 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed, for members past 1 MB


DEFAULT_ZIP_LIMITS = ZipLimits()


@dataclass(frozen=True)
class DocumentKind:
    extension: str
    content_type: str
    label: str


PDF = DocumentKind("pdf", "application/pdf", "PDF")
DOCX = DocumentKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX")
XLSX = DocumentKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX")
ODT = DocumentKind("odt", "application/vnd.oasis.opendocument.text", "ODT")
ACCEPTED = (PDF, DOCX, XLSX, ODT)


def _refuse(detail: str) -> UploadRefused:
    return UploadRefused(
        _("Chỉ nhận tệp PDF, DOCX, XLSX hoặc ODT (kiểm tra theo nội dung tệp, không theo tên)."), detail=detail
    )


def open_zip(data: bytes, *, limits: ZipLimits = DEFAULT_ZIP_LIMITS) -> zipfile.ZipFile:
    """Open a zip container whose directory stays within `limits`; raise UploadRefused otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as exc:
        raise _refuse(f"not a readable zip container: {exc}") from exc
    too_large = ZipLimitExceeded(
        _("Tệp nén bên trong quá lớn hoặc nén bất thường; hệ thống không mở."), detail="zip limits exceeded"
    )
    if len(members) > limits.max_members:
        raise too_large
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise _refuse(f"encrypted member {member.filename}")
        if member.file_size > limits.max_member_bytes:
            raise too_large
        if member.file_size > 1024 * 1024 and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise too_large
        total += member.file_size
    if total > limits.max_total_bytes:
        raise too_large
    return archive


def read_member(archive: zipfile.ZipFile, name: str, *, limit: int) -> bytes:
    """At most `limit` bytes of a member, whatever its directory entry claims (it may lie)."""
    try:
        with archive.open(name) as member:
            data = member.read(limit + 1)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(f"unreadable member {name}: {exc}") from exc
    if len(data) > limit:
        raise ZipLimitExceeded(_("Tệp nén bên trong quá lớn hoặc nén bất thường; hệ thống không mở."), detail=name)
    return data


def _identify_zip(data: bytes) -> DocumentKind:
    archive = open_zip(data)
    members = archive.infolist()
    names = {member.filename for member in members}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _refuse("macro-enabled office file")
    if members and members[0].filename == "mimetype":  # ODF: the first member, stored, names the type
        mimetype = read_member(archive, "mimetype", limit=200).strip()
        if mimetype == ODT.content_type.encode():
            return ODT
        raise _refuse(f"ODF of type {mimetype[:80]!r}")
    if "[Content_Types].xml" in names:
        types = read_member(archive, "[Content_Types].xml", limit=1024 * 1024)
        if b"macroEnabled" in types:
            raise _refuse("macro-enabled office file")
        if "word/document.xml" in names and b"wordprocessingml.document.main+xml" in types:
            return DOCX
        if "xl/workbook.xml" in names and b"spreadsheetml.sheet.main+xml" in types:
            return XLSX
    raise _refuse("zip that is neither DOCX, XLSX nor ODT")


def identify_document(data: bytes) -> DocumentKind:
    """The accepted kind `data` is, by content; UploadRefused for anything else."""
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _refuse("PDF without its end marker")
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _identify_zip(data)
    raise _refuse(f"unknown content starting {data[:8]!r}")


def filename_for(kind: DocumentKind, filename: str) -> str:
    """The uploaded name with the extension of what the file really is (`x.html` holding a PDF is `x.pdf`)."""
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return f"{stem or 'tep'}.{kind.extension}"
