import pytest
from django.core.cache import cache
from wagtail.documents import get_document_model

from cms.errors import PublishError
from cms.models import DirectiveIndexPage, DirectivePage
from cms.selectors import parse_query, search_entries
from cms.services import CACHE_GENERATION_KEY, page_cache_generation, publish_directive


def test_publish_directive_creates_a_live_page_with_the_signed_pdf(home, directive_kwargs, pdf_bytes, client):
    page = publish_directive(**directive_kwargs)

    assert page.live and not page.has_unpublished_changes
    assert page.get_parent().specific_class is DirectiveIndexPage  # the library was created on first use
    assert page.number == "15/STTTT-TTr" and page.signer_title == "GIÁM ĐỐC" and page.field == "Bưu chính"
    assert "<li>Kiểm tra bưu gửi.</li>" in page.body
    with page.document.file.open("rb") as fh:
        assert fh.read() == pdf_bytes
    assert page.document.file_hash and page.document.file_size == len(pdf_bytes)

    html = client.get(page.url).content.decode()
    assert "15/STTTT-TTr" in html and 'href="/xac-thuc/abc123/"' in html and page.document.url in html
    served = client.get(page.document.url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == pdf_bytes
    assert search_entries(parse_query("15/STTTT-TTr")).first().page_id == page.pk


def test_publish_directive_is_idempotent_by_source_key(home, directive_kwargs):
    first = publish_directive(**directive_kwargs)
    again = publish_directive(**directive_kwargs)
    assert again.pk == first.pk and again.document_id == first.document_id
    assert DirectivePage.objects.count() == 1 and get_document_model().objects.count() == 1

    changed = publish_directive(**{**directive_kwargs, "title": "Tiêu đề mới", "pdf": directive_kwargs["pdf"] + b"\n"})
    assert changed.pk == first.pk and changed.title == "Tiêu đề mới"
    assert changed.document_id != first.document_id  # a new signed file is a new document, the old one stays
    assert changed.revisions.count() == 3
    assert DirectivePage.objects.live().get().title == "Tiêu đề mới"


def test_publish_directive_bypasses_wagtail_moderation(home, directive_kwargs):
    # Wagtail's default "Moderators approval" workflow covers the whole tree; the dispatch flow already approved.
    assert home.get_workflow() is not None
    page = publish_directive(**directive_kwargs)
    assert page.live and page.current_workflow_state is None


def test_publish_directive_refuses_a_file_that_is_not_a_pdf(home, directive_kwargs):
    with pytest.raises(PublishError) as refused:
        publish_directive(**{**directive_kwargs, "pdf": b"<html>"})
    assert refused.value.message == "Không đăng được văn bản: tệp đã ký không phải tệp PDF."
    assert refused.value.detail == "dispatch:42: the signed file is not a PDF"
    assert not DirectivePage.objects.exists()


def test_two_sources_get_two_pages_with_distinct_slugs(home, directive_kwargs):
    a = publish_directive(**directive_kwargs)
    b = publish_directive(**{**directive_kwargs, "source_key": "dispatch:43"})
    assert a.pk != b.pk and a.slug != b.slug


def test_publishing_invalidates_the_page_cache(home, directive_kwargs):
    before = page_cache_generation()
    publish_directive(**directive_kwargs)
    assert cache.get(CACHE_GENERATION_KEY) > before
