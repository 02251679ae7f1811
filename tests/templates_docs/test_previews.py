"""Page images of a rendered document (poppler's pdftoppm): one PNG per page at the width asked; no such page, or
something that is not a PDF, is a ConversionError, never an empty image."""

import struct

import pytest

from templates_docs.errors import ConversionError
from templates_docs.previews import page_image
from templates_docs.services import default_organisation, load_sample, render_document

pytestmark = pytest.mark.django_db


def test_each_page_of_a_rendered_document_becomes_an_a4_png():
    doc = render_document(
        doc_type="ke-hoach", data=load_sample("ke-hoach"), organisation=default_organisation(), draft=True
    )
    assert doc.page_count >= 1
    for page in range(1, doc.page_count + 1):
        image = page_image(pdf=doc.pdf, page=page, width=600)
        assert image[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", image[16:24])
        assert width == 600 and abs(height / width - 297 / 210) < 0.01
    with pytest.raises(ConversionError):
        page_image(pdf=doc.pdf, page=doc.page_count + 1)
    with pytest.raises(ConversionError):
        page_image(pdf=doc.pdf, page=0)


def test_bytes_that_are_not_a_pdf_are_refused():
    with pytest.raises(ConversionError):
        page_image(pdf=b"%PDF-1.7 not really", page=1)
