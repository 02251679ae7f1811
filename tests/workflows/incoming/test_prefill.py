"""Prefilling the registration from a PDF: the seed Chỉ thị 28/CT-BTTTT rendered by templates_docs and signed with
the development keys, and a công văn issued by vanthu's own dispatch flow, read back by the clerk's page; the
signature through the project's validator, page 1 through its layout. Values are compared with the seed's
metadata and the dispatch's own record, not retyped."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.urls import reverse

from core.seeds import get_seed
from signing.services import sign_pdf, validate_pdf
from tests.signing_support import sample_pdf
from tests.templates_docs.conftest import load_fixture
from workflows.incoming.models import IncomingDocument, TextStatus
from workflows.incoming.services.prefill import agency_name, prefill_from_pdf, read_first_page, type_from_code

pytestmark = pytest.mark.django_db

REGISTER = reverse("incoming:register")


@pytest.fixture
def directive_28(signing_keys, settings) -> bytes:
    """Chỉ thị 28/CT-BTTTT from the seed, rendered through the chỉ thị template, signed by a leader, then sealed."""
    from templates_docs.services import render_document

    data = load_fixture("chi-thi-28")
    rendered = render_document(doc_type="chi-thi", data=data, organisation=data["organisation"], draft=False)
    # the PIN is needed once the dispatch fixtures have given the key to a leader (the browser test), else ignored
    pin = settings.SIGNING_DEV_SIGNING_PIN
    signed = sign_pdf(rendered.pdf, key_id="user-giamdoc", level="B-B", appearance="signature", pin=pin)
    return sign_pdf(signed, key_id="org-seal", level="B-B", appearance="seal")


def test_the_seed_directive_is_read_from_its_signature_and_first_page(directive_28, settings):
    meta = get_seed("chi-thi-28").meta
    prefill = prefill_from_pdf(data=directive_28)
    fields = prefill.fields
    assert fields["code"] == meta["number"]
    assert fields["issued_date"] == dt.date.fromisoformat(meta["issued_date"])
    assert fields["issuer_name"] == meta["issuer"]
    assert fields["doc_type"] == "Chỉ thị"
    assert fields["subject"] == meta["subject"]

    report = validate_pdf(directive_28)
    leader, seal = report.signatures
    assert fields["signer_name"] == leader.signer_common_name and fields["signer_name"]
    person, organisation = prefill.signers
    assert not person.is_seal and seal.signer_organisation == organisation.organisation
    assert organisation.is_seal and organisation.tax_code == settings.SIGNING_DEV_AGENCY_TAX_CODE
    assert prefill.indication == report.indication == "TOTAL_PASSED"
    # the development seal is the Sở's, the directive the Ministry's: the clerk is told
    assert any("khác cơ quan ban hành" in w for w in prefill.warnings)


def test_the_clerk_reads_an_issued_dispatch_and_registers_it_without_choosing_the_file_again(
    issued, client, make_user, settings
):
    from core.roles import Role

    pdf_file = issued.latest_revision().pdf
    with pdf_file.file.open("rb") as fh:
        pdf = fh.read()
    settings.VANTHU_EDXML_ORGAN_ID = "000.00.20.H41"  # the addressee's installation
    clerk = make_user(Role.CLERK, username="vanthu-nhan")
    client.force_login(clerk)
    token = client.get(REGISTER).context["form"].initial["token"]
    upload = io.BytesIO(pdf)
    upload.name = "cong-van-den.pdf"
    response = client.post(REGISTER, {"token": token, "channel": "pdf", "file": upload, "urgency": ""})
    assert response.status_code == 200
    form = response.context["form"]
    values = {name: form[name].value() for name in form.fields}
    assert values["code"] == issued.number
    assert values["issued_date"] == issued.issued_date.isoformat()
    assert values["issuer_name"] == "Sở Thông tin và Truyền thông tỉnh Lạng Sơn"
    assert values["doc_type"] == "Công văn"
    assert values["subject"] == issued.subject
    assert values["urgency"] == issued.urgency == "khan"
    leader = next(s for s in validate_pdf(pdf).signatures if not s.signer_uid)
    assert values["signer_name"] == leader.signer_common_name
    page = response.content.decode()
    assert f"MST {settings.SIGNING_DEV_AGENCY_TAX_CODE}" in page
    assert "Thông tin đọc từ tệp" in page and "cong-van-den.pdf" in page
    assert not IncomingDocument.objects.exists()  # read, not registered

    values["confirm_duplicate"] = ""
    response = client.post(REGISTER, {k: v for k, v in values.items() if v is not None and k != "file"})
    assert response.status_code == 302, response.context["form"].errors
    document = IncomingDocument.objects.get()
    assert document.code == issued.number and document.issuer_name == values["issuer_name"]
    assert document.file_sha256 == pdf_file.sha256  # the same bytes, never rewritten
    assert document.signer_name == leader.signer_common_name


@pytest.fixture
def directive_28_scan(settings, tmp_path) -> bytes:
    """Page 1 of the seed Chỉ thị as a scanner gives it: rendered by the template, rasterised at 300 dpi (TIFF)."""
    import subprocess

    from templates_docs.services import render_document

    data = load_fixture("chi-thi-28")
    rendered = render_document(doc_type="chi-thi", data=data, organisation=data["organisation"], draft=False)
    out = tmp_path / "trang"
    subprocess.run(
        ["pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-gray", "-tiff", "-tiffcompression", "lzw", "-", out],
        input=rendered.pdf,
        check=True,
        timeout=120,
    )
    return next(tmp_path.glob("trang*.tif")).read_bytes()


def test_a_paper_scan_is_read_by_ocr_and_registered_without_choosing_it_again(
    directive_28_scan, client, make_user, django_capture_on_commit_callbacks
):
    from core.roles import Role

    meta = get_seed("chi-thi-28").meta
    client.force_login(make_user(Role.CLERK))
    token = client.get(REGISTER).context["form"].initial["token"]
    upload = io.BytesIO(directive_28_scan)
    upload.name = "chi-thi-28.tif"
    started = time.monotonic()
    response = client.post(REGISTER, {"token": token, "channel": "paper", "file": upload, "action": "read"})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    form = response.context["form"]
    values = {name: form[name].value() for name in form.fields}
    assert values["code"] == meta["number"]
    assert values["issued_date"] == meta["issued_date"]
    assert values["issuer_name"] == meta["issuer"]
    assert values["doc_type"] == "Chỉ thị"
    assert values["subject"] == meta["subject"]
    assert "nhận dạng chữ (OCR)" in response.content.decode()
    assert not IncomingDocument.objects.exists()
    print(f"prefill of a 300 dpi scan (OCR of page 1 in the request): {elapsed:.1f} s")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, {k: v for k, v in values.items() if v is not None and k != "file"})
    assert response.status_code == 302
    document = IncomingDocument.objects.get()
    assert document.channel == "paper" and document.file.content_type == "image/tiff"
    assert document.text_status == TextStatus.RECOGNISED
    assert "thế lực thù địch" in " ".join(document.text.split())


def test_a_low_resolution_scan_is_refused_when_read(client, make_user):
    from core.roles import Role
    from tests.workflows.incoming.test_ocr import scan_bytes

    client.force_login(make_user(Role.CLERK))
    token = client.get(REGISTER).context["form"].initial["token"]
    upload = io.BytesIO(scan_bytes(100, "PNG"))
    upload.name = "scan.png"
    response = client.post(REGISTER, {"token": token, "channel": "paper", "file": upload, "action": "read"})
    assert "Bản quét có độ phân giải 100 dpi" in response.content.decode()


def test_an_unsigned_pdf_is_read_with_a_warning(client, make_user):
    from core.roles import Role

    client.force_login(make_user(Role.CLERK))
    token = client.get(REGISTER).context["form"].initial["token"]
    upload = io.BytesIO(sample_pdf(1))
    upload.name = "khong-ky.pdf"
    response = client.post(REGISTER, {"token": token, "channel": "pdf", "file": upload, "action": "read"})
    assert response.status_code == 200
    assert "Tệp không có chữ ký số." in response.content.decode()
    assert not IncomingDocument.objects.exists()


@pytest.mark.parametrize("data", [b"%PDF-1.7\n garbage", sample_pdf(1)[:400]])
def test_a_broken_pdf_is_read_into_warnings_not_a_500(client, make_user, data):
    from core.roles import Role

    client.force_login(make_user(Role.CLERK))
    token = client.get(REGISTER).context["form"].initial["token"]
    upload = io.BytesIO(data)
    upload.name = "hong.pdf"
    response = client.post(REGISTER, {"token": token, "channel": "pdf", "file": upload, "action": "read"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Không đọc được chữ ở trang 1" in page
    assert "Tệp PDF hỏng hoặc bị cắt cụt" in page or "Tệp PDF không đọc được" in page  # the validator's reason


def test_reading_without_a_file_says_so(client, make_user):
    from core.roles import Role

    client.force_login(make_user(Role.CLERK))
    token = client.get(REGISTER).context["form"].initial["token"]
    response = client.post(REGISTER, {"token": token, "channel": "pdf", "action": "read", "held": "0" * 64})
    assert "Chọn tệp (PDF hoặc bản quét) để đọc thông tin." in response.content.decode()


def test_a_scan_without_text_gives_no_fields_and_says_so():
    from tests.workflows.incoming.test_ocr import scan_pdf

    scan = scan_pdf(200)
    assert read_first_page(scan) == {}
    prefill = prefill_from_pdf(data=scan)
    assert prefill.fields == {}
    assert any("Không đọc được chữ ở trang 1" in w for w in prefill.warnings)


@pytest.mark.parametrize(
    ("printed", "written"),
    [
        ("BỘ THÔNG TIN VÀ TRUYỀN THÔNG", "Bộ Thông tin và Truyền thông"),
        ("UBND TỈNH LẠNG SƠN", "Ủy ban nhân dân tỉnh Lạng Sơn"),
        ("CÔNG AN TỈNH LẠNG SƠN", "Công an tỉnh Lạng Sơn"),
        ("BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Bộ Văn hóa, Thể thao và Du lịch"),
        ("Sở Tài chính", "Sở Tài chính"),
    ],
)
def test_an_agency_in_capitals_is_written_as_in_running_text(printed, written):
    assert agency_name(printed) == written


@pytest.mark.parametrize(
    ("code", "name"), [("28/CT-BTTTT", "Chỉ thị"), ("12/QĐ-UBND", "Quyết định"), ("05/STTTT-TTr", "")]
)
def test_the_type_comes_from_the_code(code, name):
    assert type_from_code(code) == name
