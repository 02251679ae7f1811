"""Demo content of the public portal, built from the five seed texts (`core.seeds`). Idempotent."""

from __future__ import annotations

from datetime import date
from typing import TextIO

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.errors import CmsError
from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    CampaignPage,
    DirectiveIndexPage,
    DirectivePage,
    HomePage,
    StandardPage,
)
from cms.services import LIBRARY_SLUG, directive_library, setup_editorial_permissions
from cms.text import text_to_blocks, text_to_html
from core.seeds import Seed, all_seeds

CAMPAIGN_SLUG = "noi-khong-hang-lau-2026"
DOC_TYPE_NAMES = {"chi-thi": "Chỉ thị", "cong-van": "Công văn"}


@transaction.atomic
def load(stdout: TextIO) -> None:
    home = HomePage.objects.order_by("path").first()
    if home is None:
        raise CmsError(_("Cổng thông tin chưa có trang chủ."), detail="No HomePage: run `manage.py migrate` first.")
    created: list[str] = []

    library = _child(
        home,
        DirectiveIndexPage,
        LIBRARY_SLUG,
        created,
        title="Văn bản chỉ đạo điều hành",
        intro="<p>Chỉ thị, công văn và văn bản chỉ đạo điều hành về bưu chính. Mỗi văn bản có bản PDF đã ký số "
        "và đường dẫn xác thực chữ ký.</p>",
    )
    assert library.pk == directive_library().pk
    news = _child(
        home,
        ArticleIndexPage,
        "tin-tuc-huong-dan",
        created,
        title="Tin tức – Hướng dẫn",
        intro="<p>Tin hoạt động và hướng dẫn về an toàn, an ninh bưu chính.</p>",
    )
    _child(home, StandardPage, "hang-cam-gui-qua-buu-chinh", created, **_prohibited_items_page())
    campaign_page = _child(
        home,
        CampaignPage,
        "cam-ket-noi-khong-hang-lau",
        created,
        title="Nói không với hàng lậu, hàng cấm qua đường bưu chính",
        campaign_slug=CAMPAIGN_SLUG,
        intro="Thực hiện Chỉ thị 28/CT-BTTTT, các doanh nghiệp và điểm phục vụ bưu chính trên địa bàn tỉnh ký cam "
        "kết “Nói không với việc chấp nhận, vận chuyển và phát hàng lậu, hàng cấm qua đường bưu chính”.",
        body=[
            (
                "paragraph",
                "<p>Doanh nghiệp nhận thư mời kèm đường dẫn riêng, xác nhận thư điện tử bằng mã OTP, "
                "đọc và ký bản cam kết ngay trên điện thoại. Danh sách dưới đây cập nhật khi mỗi bản cam kết được "
                "Sở ký xác nhận.</p>",
            ),
        ],
    )
    campaign = apps.get_model("pledges", "Campaign").objects.filter(slug=CAMPAIGN_SLUG).first()
    if campaign is not None and campaign_page.campaign_id is None:
        campaign_page.campaign = campaign
        campaign_page.save_revision().publish()
        created.append(f"link {campaign_page.title} → {campaign}")

    for seed in all_seeds():
        if seed.kind in ("directive", "dispatch"):
            # The library lists issued documents by number. The public copy of the Lạng Sơn công văn has its
            # number left blank ("Số: /STTTT-TTr"): it is not listed as if that were one; the dispatch demo
            # issues it through the flow, which numbers it, and publishes it.
            if seed.meta.get("code_number"):
                _directive(library, seed, created)
        else:
            _article(news, seed, created)

    setup_editorial_permissions(home=home)
    if created:
        stdout.write(f"cms: {len(created)} pages created or linked\n")


def _child(parent: Page, model: type[Page], slug: str, created: list[str], **fields) -> Page:
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    page = model(slug=slug, show_in_menus=True, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    created.append(page.title)
    return page


def _directive(library: DirectiveIndexPage, seed: Seed, created: list[str]) -> None:
    meta = seed.meta
    source_key = f"seed:{seed.key}"
    if DirectivePage.objects.filter(source_key=source_key).exists():
        return
    issuer = meta["issuer"]
    page = DirectivePage(
        source_key=source_key,
        slug=seed.key,
        title=seed.title,
        number=meta["number"],
        doc_type=meta["doc_type"],
        doc_type_name=DOC_TYPE_NAMES.get(meta["doc_type"], meta["doc_type"]),
        issued_date=date.fromisoformat(meta["issued_date"]),
        issuer=issuer,
        signer_name=meta["signer_name"],
        signer_title=meta["signer_title"],
        subject=meta["subject"],
        field=meta.get("field", ""),
        body=text_to_html(seed.text),
        search_description=meta["subject"][:500],
    )
    library.add_child(instance=page)
    page.save_revision().publish()
    created.append(page.title)


def _article(index: ArticleIndexPage, seed: Seed, created: list[str]) -> None:
    if ArticlePage.objects.child_of(index).filter(slug=seed.key).exists():
        return
    meta = seed.meta
    body = []
    for kind, value in text_to_blocks(seed.text):
        if kind == "html":
            body.append(("paragraph", value))
        else:
            body.append(("heading", {"text": value, "level": "h2" if kind == "heading" else "h3"}))
    note = meta.get("published_date_note")
    if note:
        body.append(("callout", {"tone": "info", "title": "Ghi chú về ngày đăng", "text": f"<p>{note}</p>"}))
    first = seed.paragraphs[0] if seed.paragraphs else ""
    page = ArticlePage(
        slug=seed.key,
        title=seed.title,
        kind=ArticlePage.Kind.NEWS,
        date=date.fromisoformat(meta["published_date"]) if meta.get("published_date") else None,
        intro=first.replace("**", "")[:400],
        author=meta.get("author", ""),
        source=meta.get("source", ""),
        body=body,
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    created.append(page.title)


def _prohibited_items_page() -> dict:
    """What may not be sent by post: Luật Bưu chính Điều 12 and the sanctions (shared/spec section 5)."""
    return {
        "title": "Vật phẩm, hàng hóa không được gửi qua bưu chính",
        "intro": "Những vật phẩm, hàng hóa không được gửi, chấp nhận, vận chuyển qua mạng bưu chính và mức xử "
        "phạt khi vi phạm. Người gửi và doanh nghiệp bưu chính cùng có trách nhiệm.",
        "search_description": "Hàng cấm gửi qua bưu chính: Điều 12 Luật Bưu chính 2010, mức phạt theo Nghị định "
        "174/2026/NĐ-CP.",
        "body": [
            (
                "provision",
                {
                    "reference": "Điều 12 Luật Bưu chính số 49/2010/QH12",
                    "title": "Vật phẩm, hàng hóa không được gửi, chấp nhận, vận chuyển qua mạng bưu chính",
                    "text": "<p>Tóm tắt (xem toàn văn Luật để áp dụng):</p><ul>"
                    "<li>vật phẩm, hàng hóa mà pháp luật cấm lưu thông, cấm kinh doanh;</li>"
                    "<li>vật phẩm, hàng hóa cấm xuất khẩu, cấm nhập khẩu;</li>"
                    "<li>vật phẩm, hàng hóa thuộc loại không được gửi, chấp nhận, vận chuyển qua mạng bưu chính "
                    "theo quy định của pháp luật và điều ước quốc tế mà Việt Nam là thành viên.</li></ul>",
                },
            ),
            (
                "provision",
                {
                    "reference": "Điều 7 Luật Bưu chính số 49/2010/QH12",
                    "title": "Các hành vi bị cấm",
                    "text": "<p>Trong đó có hành vi gửi, chấp nhận, vận chuyển vật phẩm, hàng hóa không được gửi "
                    "qua mạng bưu chính.</p>",
                },
            ),
            (
                "fines",
                {
                    "caption": "Mức xử phạt vi phạm hành chính",
                    "rows": [
                        {
                            "violation": "Gửi, chấp nhận, vận chuyển vật phẩm, hàng hóa không được gửi qua mạng "
                            "bưu chính",
                            "organisation_fine": "10–20 triệu đồng (cần rà soát)",
                            "individual_fine": "5–10 triệu đồng, một nửa mức phạt tổ chức (cần rà soát)",
                            # Chương II (Điều 7–16) of ND 174/2026 is the sanctions chapter; the article and the
                            # amounts of this row are not yet checked against the published decree.
                            "reference": "Nghị định 174/2026/NĐ-CP, Chương II (Điều 7–16), từ 01/7/2026; "
                            "Điều 11 — cần rà soát: số điều và mức phạt chưa được đối chiếu với văn bản đã công bố",
                        },
                    ],
                    "note": "Các nội dung ghi «cần rà soát» đang chờ cán bộ pháp chế đối chiếu với Nghị định "
                    "174/2026/NĐ-CP trước khi áp dụng. Hành vi xảy ra trước ngày 01/7/2026 áp dụng Chương II Nghị "
                    "định 15/2020/NĐ-CP (sửa đổi bởi Nghị định 14/2022/NĐ-CP).",
                },
            ),
            (
                "callout",
                {
                    "tone": "warning",
                    "title": "Doanh nghiệp và điểm phục vụ bưu chính",
                    "text": "<p>Kiểm tra nội dung bưu gửi khi chấp nhận, từ chối và đình chỉ vận chuyển bưu gửi vi "
                    "phạm, thông báo ngay cho cơ quan có thẩm quyền (Chỉ thị 28/CT-BTTTT ngày 08/5/2020).</p>",
                },
            ),
            (
                "provision",
                {
                    "reference": "Quyết định 55/2016/QĐ-TTg",
                    "title": "Mạng bưu chính phục vụ cơ quan Đảng, Nhà nước (KT1)",
                    "text": "<p>Bưu gửi KT1 của cơ quan Đảng, Nhà nước, Mặt trận Tổ quốc và các tổ chức chính "
                    "trị – xã hội mang dấu “KT1” và mã vạch, được theo dõi trong suốt quá trình chuyển phát "
                    "(Điều 19 Luật Bưu chính).</p>",
                },
            ),
        ],
    }
