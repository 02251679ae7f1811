"""Page images of a PDF (poppler's pdftoppm), so a document can be read on any phone or browser, PDF viewer or not.

A leaf like the rest of this app: bytes in, PNG bytes out; callers cache by the PDF's hash."""

from __future__ import annotations

import logging
import shutil
import subprocess

from templates_docs.errors import ConversionError

__all__ = ["PREVIEW_WIDTH", "page_image"]

logger = logging.getLogger(__name__)

PREVIEW_WIDTH = 900  # px: sharp on a phone (2x at 390 px wide), legible beside a form on a desktop
TIMEOUT_SECONDS = 30


def page_image(*, pdf: bytes, page: int, width: int = PREVIEW_WIDTH) -> bytes:
    """Page `page` (from 1) of `pdf` as a PNG `width` pixels wide. Raises ConversionError when poppler cannot
    (no such page, not a PDF, pdftoppm missing or too slow)."""
    executable = shutil.which("pdftoppm")
    if executable is None:
        raise ConversionError("pdftoppm is not installed (Debian package poppler-utils)")
    if page < 1:
        raise ConversionError(f"no page {page}")
    command = [executable, "-png", "-f", str(page), "-l", str(page), "-singlefile"]
    command += ["-scale-to-x", str(width), "-scale-to-y", "-1", "-"]
    try:
        done = subprocess.run(  # noqa: S603 - our own executable and arguments, the PDF on stdin
            command, input=pdf, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ConversionError(f"pdftoppm took more than {TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        detail = done.stderr.decode(errors="replace").strip()[:300]
        logger.warning("pdftoppm failed on page %s: %s", page, detail)
        raise ConversionError(f"pdftoppm could not render page {page}: {detail or 'no image'}")
    return done.stdout
