"""Page images of a PDF (poppler's pdftoppm), so a document can be read on any phone or browser, PDF viewer or not.

A leaf like the rest of this app: bytes in, PNG bytes out; `cached_page_image` keeps each page by the PDF's hash."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from collections.abc import Callable

from django.core.cache import cache
from pyhanko.pdf_utils.reader import PdfFileReader

from templates_docs.errors import ConversionError

__all__ = [
    "PAGE_IMAGE_CACHE_SECONDS",
    "PREVIEW_WIDTH",
    "cached_page_count",
    "cached_page_image",
    "page_count",
    "page_image",
]

logger = logging.getLogger(__name__)

PREVIEW_WIDTH = 900  # px: sharp on a phone (2x at 390 px wide), legible beside a form on a desktop
TIMEOUT_SECONDS = 30
PAGE_IMAGE_CACHE_SECONDS = 30 * 24 * 3600  # keyed by the PDF's hash: an image never goes stale, only unused


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


def cached_page_image(*, sha256: str, read: Callable[[], bytes], page: int, width: int = PREVIEW_WIDTH) -> bytes:
    """`page_image` of the PDF whose hash is `sha256`, rendered once (`read` is called only then) and cached."""
    key = f"vanthu:page-image:{sha256}:{page}:{width}"
    image = cache.get(key)
    if image is None:
        image = page_image(pdf=read(), page=page, width=width)
        cache.set(key, image, PAGE_IMAGE_CACHE_SECONDS)
    return image


def page_count(pdf: bytes) -> int:
    """How many pages the PDF has (ConversionError if it is not a readable PDF)."""
    try:
        return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])
    except Exception as exc:  # pyHanko raises several types for a broken file
        raise ConversionError(f"not a readable PDF: {exc}") from exc


def cached_page_count(*, sha256: str, read: Callable[[], bytes]) -> int:
    """`page_count` of the PDF whose hash is `sha256`, read once and cached."""
    key = f"vanthu:page-count:{sha256}"
    count = cache.get(key)
    if count is None:
        count = page_count(read())
        cache.set(key, count, PAGE_IMAGE_CACHE_SECONDS)
    return count
