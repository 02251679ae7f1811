"""Whole-page cache for anonymous readers: hit, invalidation on publish, nothing personal cached."""

from cms.middleware import CACHE_HEADER
from cms.models import DirectivePage


def test_second_anonymous_request_is_served_from_cache(demo_site, client, django_assert_num_queries):
    assert client.get("/")[CACHE_HEADER] == "miss"
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response[CACHE_HEADER] == "hit" and response.status_code == 200
    assert response["X-Frame-Options"] == "DENY" or response.has_header("X-Frame-Options")


def test_publish_invalidates_cached_pages(demo_site, client):
    client.get("/")
    directive = DirectivePage.objects.get(slug="chi-thi-28")
    directive.title = "Chỉ thị 28/CT-BTTTT (đã cập nhật)"
    directive.save_revision().publish()
    response = client.get("/")
    assert response[CACHE_HEADER] == "miss"
    assert "Chỉ thị 28/CT-BTTTT (đã cập nhật)" in response.content.decode()


def test_unpublish_invalidates_cached_pages(demo_site, client):
    assert "Công văn triển khai" in client.get("/").content.decode()
    DirectivePage.objects.get(slug="cong-van-lang-son").unpublish()
    assert "Công văn triển khai" not in client.get("/").content.decode()


def test_logged_in_editors_bypass_the_cache(demo_site, client, django_user_model):
    client.get("/")
    user = django_user_model.objects.create_user("editor", password="x")
    client.force_login(user)
    assert not client.get("/").has_header(CACHE_HEADER)


def test_only_portal_responses_are_cached(demo_site, client):
    assert not client.get("/accounts/login/").has_header(CACHE_HEADER)
    assert not client.get("/trang-khong-ton-tai/").has_header(CACHE_HEADER)
