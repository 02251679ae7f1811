import io

import pytest

from cms import demo
from cms.models import HomePage

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def home(db) -> HomePage:
    """The home page the cms data migration puts at `/`."""
    return HomePage.objects.get()


@pytest.fixture
def demo_site(home) -> HomePage:
    demo.load(io.StringIO())
    return home


@pytest.fixture
def pdf_bytes() -> bytes:
    return MINIMAL_PDF


@pytest.fixture
def directive_kwargs(pdf_bytes):
    from datetime import date

    return {
        "source_key": "dispatch:42",
        "number": "15/STTTT-TTr",
        "title": "Công văn về tăng cường kiểm tra hàng cấm gửi qua bưu chính",
        "subject": "V/v tăng cường kiểm tra hàng cấm gửi qua đường bưu chính dịp cuối năm",
        "doc_type": "cong-van",
        "doc_type_name": "Công văn",
        "issued_date": date(2026, 3, 2),
        "issuer": "Sở Thông tin và Truyền thông Lạng Sơn",
        "signer_name": "Nguyễn Quang Huy",
        "signer_title": "GIÁM ĐỐC",
        "body": "Kính gửi: Các doanh nghiệp bưu chính.\n\n- Kiểm tra bưu gửi.\n- Báo cáo vi phạm.",
        "pdf": pdf_bytes,
        "pdf_filename": "15-STTTT-TTr.pdf",
        "field": "Bưu chính",
        "verification_url": "/xac-thuc/abc123/",
    }
