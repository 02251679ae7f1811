"""The search cases of issue 7, on the demo content (run on PostgreSQL too: DATABASE_URL=postgres://...)."""

import re

import pytest

from cms.models import SearchEntry
from cms.selectors import parse_query, search_entries


def titles(query: str) -> list[str]:
    return [e.title for e in search_entries(parse_query(query))]


@pytest.fixture
def client_html(client):
    def get(query: str, **params) -> str:
        response = client.get("/search/", {"q": query, **params})
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_every_live_portal_page_is_indexed_except_home(demo_site):
    assert SearchEntry.objects.count() == 8  # 2 index pages, 1 directive, 3 articles, prohibited items, campaign


def test_unaccented_query_finds_accented_text(demo_site, client_html):
    found = titles("hang cam")
    assert "Vật phẩm, hàng hóa không được gửi qua bưu chính" in found
    assert "Chỉ thị 28/CT-BTTTT về tăng cường công tác bảo đảm an toàn, an ninh bưu chính" in found
    html = client_html("hang cam")
    assert "<mark>hàng</mark>" in html.lower() and "<mark>cấm</mark>" in html.lower()


def test_accented_and_unaccented_queries_agree(demo_site):
    assert titles("hàng cấm") == titles("hang cam") == titles("HANG CẤM")


def test_chi_thi_28_finds_the_directive_first(demo_site):
    assert titles("chi thi 28")[0] == "Chỉ thị 28/CT-BTTTT về tăng cường công tác bảo đảm an toàn, an ninh bưu chính"


def test_document_number_finds_it_exactly(demo_site, client_html):
    entries = list(search_entries(parse_query("28/CT-BTTTT")))
    assert entries[0].title.startswith("Chỉ thị 28/CT-BTTTT")
    assert entries[0].score >= 1000 > entries[1].score  # the exact number outranks pages that merely cite it
    html = client_html("28/CT-BTTTT")
    first = re.search(r'<h2 class="result__title"><a href="([^"]+)">', html)
    assert first.group(1) == "/van-ban-chi-dao-dieu-hanh/chi-thi-28/"


def test_all_terms_must_match(demo_site):
    assert titles("hang cam kon tum") == [
        "Nâng cao hiệu quả công tác đảm bảo an ninh, an toàn hoạt động bưu chính trên địa bàn tỉnh Kon Tum"
    ]
    assert titles("khong co tu nay xyzzy") == []


def test_results_are_paginated(demo_site, client_html, monkeypatch):
    from cms import views

    monkeypatch.setattr(views, "RESULTS_PER_PAGE", 2)
    first, second = client_html("buu chinh"), client_html("buu chinh", trang=2)
    assert "Trang 1/3" in first and 'rel="next"' in first and first.count('class="result"') == 2
    assert "Trang 2/3" in second and 'start="3"' in second
    assert client_html("buu chinh", trang="abc").count('class="result"') == 2


@pytest.mark.parametrize("query", ["", "   ", "!!!", "%", "_", "' OR 1=1 --", "x" * 5000])
def test_odd_queries_never_fail(demo_site, client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_unpublished_pages_leave_the_index(demo_site):
    from cms.models import StandardPage

    page = StandardPage.objects.get(slug="hang-cam-gui-qua-buu-chinh")
    page.unpublish()
    assert "Vật phẩm, hàng hóa không được gửi qua bưu chính" not in titles("hang cam")
    page.save_revision().publish()
    assert "Vật phẩm, hàng hóa không được gửi qua bưu chính" in titles("hang cam")
