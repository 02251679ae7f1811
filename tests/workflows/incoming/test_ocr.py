"""Scanned paper documents: real scans (a page of the seed Chỉ thị 28/CT-BTTTT drawn at a given dpi with a font
that has Vietnamese diacritics) through OCRmyPDF and Tesseract's `vie` data, into a searchable PDF; the list finds
the document by words of its body only, with or without diacritics. Low-resolution scans are refused with the dpi
found and required; a signed PDF is never rewritten."""

from __future__ import annotations

import io
import subprocess
import textwrap
import time

import img2pdf
import pytest
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from core.roles import Role
from core.seeds import get_seed
from tests.signing_support import sample_pdf
from workflows.incoming.errors import IncomingError
from workflows.incoming.models import Channel, IncomingDocument, TextStatus
from workflows.incoming.selectors import search
from workflows.incoming.services.ocr import check_scan, is_signed_pdf, recognise_text
from workflows.incoming.services.registration import register_incoming

pytestmark = pytest.mark.django_db

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
LIST, REGISTER = reverse("incoming:list"), reverse("incoming:register")
# Words of the directive's body (not of the metadata typed by the clerk), with their diacritics.
BODY_PHRASES = ["an ninh trong cung ứng", "hàng lậu, hàng cấm", "thế lực thù địch"]


def scan_image(dpi: int, *, paragraphs: int = 2) -> Image.Image:
    """An A4 page of the seed Chỉ thị's first paragraphs, 13 pt Liberation Serif, as a scanner at `dpi` gives it."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    size = round(13 / 72 * dpi)
    font = ImageFont.truetype(FONT, size)
    y, line_height = dpi, round(size * 1.5)
    for paragraph in get_seed("chi-thi-28").paragraphs[:paragraphs]:
        for line in textwrap.wrap(paragraph, 80):
            draw.text((dpi, y), line, font=font, fill=0)
            y += line_height
        y += line_height // 2
    return image


def scan_bytes(dpi: int, fmt: str, *, stated_dpi: int | None = None) -> bytes:
    out = io.BytesIO()
    image = scan_image(dpi)
    if stated_dpi == 0:
        image.save(out, format=fmt)  # no resolution recorded
    else:
        image.save(out, format=fmt, dpi=(stated_dpi or dpi, stated_dpi or dpi))
    return out.getvalue()


def scan_pdf(dpi: int) -> bytes:
    """A scanner's PDF: the page image embedded at its resolution, no text."""
    return img2pdf.convert(scan_bytes(dpi, "PNG"))


def _register_scan(data: bytes, filename: str, **overrides) -> IncomingDocument:
    values = {
        "channel": Channel.PAPER,
        "issuer_name": "Bộ Thông tin và Truyền thông",
        "code": "28/CT-BTTTT",
        "subject": "Chỉ thị (bản giấy)",
        "file_data": data,
        "filename": filename,
        "user": None,
    }
    values.update(overrides)
    return register_incoming(**values)


@pytest.fixture
def clerk(make_user, client):
    user = make_user(Role.CLERK, username="vanthu")
    client.force_login(user)
    return user


def test_a_300_dpi_scan_uploaded_by_the_clerk_becomes_searchable_by_words_of_its_body(
    client, clerk, django_capture_on_commit_callbacks
):
    token = client.get(REGISTER).context["form"].initial["token"]
    upload = io.BytesIO(scan_bytes(300, "PNG"))
    upload.name = "chi-thi-28-ban-quet.png"
    data = {
        "token": token,
        "channel": "paper",
        "issuer_name": "Bộ Thông tin và Truyền thông",
        "code": "28/CT-BTTTT",
        "doc_type": "Chỉ thị",
        "subject": "Về việc tăng cường bảo đảm an toàn bưu chính",
        "urgency": "",
        "file": upload,
    }
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, data)
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    document = IncomingDocument.objects.get()
    assert document.text_status == TextStatus.RECOGNISED, document.text_error
    assert document.file.content_type == "image/png"  # the scan itself is kept as received
    for phrase in BODY_PHRASES:
        assert phrase in " ".join(document.text.split()), phrase

    searchable = client.get(reverse("incoming:download", args=[document.pk]), {"ban": "tim-kiem"})
    pdf = b"".join(searchable.streaming_content)
    assert searchable["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "hàng lậu" in text

    for query in ("thế lực thù địch", "the luc thu dich", "HANG LAU, HANG CAM"):
        rows = client.get(LIST, {"q": query}).context["rows"]
        assert [d for d, _overdue in rows] == [document], query
    assert client.get(LIST, {"q": "phòng chống bão lụt"}).context["rows"] == []
    page = client.get(reverse("incoming:detail", args=[document.pk])).content.decode()
    assert "Đã nhận dạng chữ (OCR)" in page and "Bản PDF tìm kiếm được" in page
    print(f"OCR of one A4 page at 300 dpi, registration included: {elapsed:.1f} s")


@pytest.mark.parametrize(("fmt", "content"), [("TIFF", "image/tiff"), ("JPEG", "image/jpeg")])
def test_a_200_dpi_scan_is_enough(fmt, content, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = _register_scan(scan_bytes(200, fmt), f"scan.{fmt.lower()}")
    document.refresh_from_db()
    assert document.file.content_type == content
    assert document.text_status == TextStatus.RECOGNISED, document.text_error
    assert search(query="an ninh trong cung ung") == [document]


def test_a_scanners_pdf_is_recognised_and_the_image_keeps_its_page_size():
    document = _register_scan(scan_pdf(300), "scan.pdf")
    assert document.text_status == TextStatus.PENDING
    recognise_text(document_id=document.pk)
    document.refresh_from_db()
    assert document.text_status == TextStatus.RECOGNISED
    assert "thế lực thù địch" in " ".join(document.text.split())
    with document.searchable_file.file.open("rb") as fh:
        info = subprocess.run(["pdfinfo", "-"], input=fh.read(), capture_output=True, check=True).stdout.decode()
    assert "pts (A4)" in info  # the page size the scan had


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (lambda: scan_bytes(100, "PNG"), "100"),
        (lambda: scan_bytes(150, "JPEG"), "150"),
        (lambda: scan_pdf(100), "100"),
    ],
)
def test_a_low_resolution_scan_is_refused_with_the_dpi_found_and_required(data, found):
    with pytest.raises(IncomingError) as refused:
        _register_scan(data(), "scan")
    assert f"độ phân giải {found} dpi" in refused.value.message
    assert "tối thiểu 200 dpi" in refused.value.message
    assert not IncomingDocument.objects.exists()


def test_a_low_resolution_upload_is_a_message_on_the_page(client, clerk):
    token = client.get(REGISTER).context["form"].initial["token"]
    upload = io.BytesIO(scan_bytes(100, "PNG"))
    upload.name = "scan.png"
    response = client.post(
        REGISTER,
        {"token": token, "channel": "paper", "issuer_name": "UBND tỉnh", "subject": "Bản giấy", "file": upload},
    )
    assert response.status_code == 200
    assert "Bản quét có độ phân giải 100 dpi" in response.content.decode()
    assert not IncomingDocument.objects.exists()


def test_an_image_without_a_resolution_is_refused():
    with pytest.raises(IncomingError) as refused:
        check_scan(data=scan_bytes(300, "PNG", stated_dpi=0), content_type="image/png")
    assert "không ghi độ phân giải" in refused.value.message


def test_the_minimum_is_a_setting(settings):
    settings.VANTHU_OCR_MIN_DPI = 300
    with pytest.raises(IncomingError) as refused:
        check_scan(data=scan_bytes(200, "PNG"), content_type="image/png")
    assert "200 dpi, thấp hơn mức tối thiểu 300 dpi" in refused.value.message


def test_a_signed_pdf_is_never_rewritten(signing_keys):
    scanned = scan_pdf(200)
    assert not is_signed_pdf(scanned)
    signed = _sign(scanned)
    assert is_signed_pdf(signed)
    document = _register_scan(signed, "da-ky.pdf")
    recognise_text(document_id=document.pk)
    document.refresh_from_db()
    assert document.searchable_file is None
    assert document.text_status == TextStatus.EXTRACTED
    with document.file.file.open("rb") as fh:
        assert fh.read() == signed


def test_an_electronic_pdf_gives_its_text_layer_unchanged(signing_keys):
    signed = _sign(sample_pdf(1, title="Cong van so 05/STTTT-TTr"))
    document = _register_scan(signed, "cong-van.pdf", channel=Channel.PDF, code="05/STTTT-TTr")
    recognise_text(document_id=document.pk)
    document.refresh_from_db()
    assert document.text_status == TextStatus.EXTRACTED and document.searchable_file is None
    assert document.text.strip()
    with document.file.file.open("rb") as fh:
        assert fh.read() == signed


def test_a_scan_that_fails_is_recorded_not_raised(settings):
    document = _register_scan(scan_bytes(300, "PNG"), "scan.png")
    settings.VANTHU_OCR_MIN_DPI = 400  # the rule changed between upload and the task
    recognise_text(document_id=document.pk)
    document.refresh_from_db()
    assert document.text_status == TextStatus.FAILED
    assert "300 dpi" in document.text_error
    assert document.number == 1  # the registration stands


def _sign(pdf: bytes) -> bytes:
    from signing.services import sign_pdf

    return sign_pdf(pdf, key_id="user-giamdoc", level="B-B", appearance="signature")


def test_the_command_recognises_failed_documents_again(settings):
    from django.core.management import CommandError, call_command

    document = _register_scan(scan_bytes(300, "PNG"), "scan.png")
    settings.VANTHU_OCR_MIN_DPI = 400
    recognise_text(document_id=document.pk)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 document"):
        call_command("recognise_incoming_text", "--failed", stdout=out)
    assert "failed" in out.getvalue()
    settings.VANTHU_OCR_MIN_DPI = 200
    out = io.StringIO()
    call_command("recognise_incoming_text", "--failed", stdout=out)
    document.refresh_from_db()
    assert document.text_status == TextStatus.RECOGNISED and "ocr," in out.getvalue()
    with pytest.raises(CommandError, match="no incoming document"):
        call_command("recognise_incoming_text", "999999")
