"""Whole-page cache for anonymous readers: hit, invalidation on publish, nothing personal cached."""

from cms.middleware import CACHE_HEADER
from cms.models import DirectivePage


def test_second_anonymous_request_is_served_from_cache(demo_site, client, django_assert_num_queries):
    assert client.get("/")[CACHE_HEADER] == "miss"
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response[CACHE_HEADER] == "hit" and response.status_code == 200
    # a page served from the cache still forbids framing (the header is not lost with the cached copy)
    assert response["X-Frame-Options"] == "DENY"


def test_publish_invalidates_cached_pages(demo_site, client):
    client.get("/")
    directive = DirectivePage.objects.get(slug="chi-thi-28")
    directive.title = "Chỉ thị 28/CT-BTTTT (đã cập nhật)"
    directive.save_revision().publish()
    response = client.get("/")
    assert response[CACHE_HEADER] == "miss"
    assert "Chỉ thị 28/CT-BTTTT (đã cập nhật)" in response.content.decode()


def test_unpublish_invalidates_cached_pages(demo_site, client):
    assert "Chỉ thị 28/CT-BTTTT về tăng cường" in client.get("/").content.decode()
    DirectivePage.objects.get(slug="chi-thi-28").unpublish()
    assert "Chỉ thị 28/CT-BTTTT về tăng cường" not in client.get("/").content.decode()


def test_logged_in_editors_bypass_the_cache(demo_site, client, django_user_model):
    client.get("/")
    user = django_user_model.objects.create_user("editor", password="x")
    client.force_login(user)
    assert not client.get("/").has_header(CACHE_HEADER)


def test_only_portal_responses_are_cached(demo_site, client):
    assert not client.get("/accounts/login/").has_header(CACHE_HEADER)
    assert not client.get("/trang-khong-ton-tai/").has_header(CACHE_HEADER)


def test_content_that_is_not_a_page_refreshes_pages_but_keeps_the_menu(
    demo_site, client, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.models import OrganisationSettings

    client.get("/xac-thuc/")  # builds and caches the menu
    org = OrganisationSettings.load()
    org.hotline = "0205 3999 888"
    with django_capture_on_commit_callbacks(execute=True):
        org.save()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/xac-thuc/")
    assert "0205 3999 888" in response.content.decode()
    assert not [q for q in queries.captured_queries if "wagtailcore_page" in q["sql"]]


def test_a_renamed_menu_page_is_renamed_in_the_menu_once_published(demo_site, client):
    from wagtail.models import Page

    client.get("/xac-thuc/")
    page = Page.objects.get(depth=3, show_in_menus=True, slug="van-ban-chi-dao-dieu-hanh").specific
    page.title = "Văn bản chỉ đạo (mới)"
    page.save_revision().publish()
    assert "Văn bản chỉ đạo (mới)" in client.get("/xac-thuc/").content.decode()
