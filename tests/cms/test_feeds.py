# ruff: noqa: S314 - parsing our own feeds in tests
from xml.etree import ElementTree

from django.conf import settings

ATOM = "{http://www.w3.org/2005/Atom}"


def test_rss_lists_directives_and_news_newest_first(demo_site, client):
    response = client.get("/feeds/rss/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    items = ElementTree.fromstring(response.content).findall("./channel/item")
    titles = [i.findtext("title") for i in items]
    assert len(items) == 4  # Chỉ thị 28 and three news items (the Lạng Sơn công văn has no number: not listed)
    # the Kon Tum article has no date in its source: it is dated by its publication on the portal
    assert titles[0].endswith("tỉnh Kon Tum")
    assert titles[1] == "Tăng cường thực hiện quy định về sử dụng Mạng bưu chính phục vụ cơ quan Đảng, Nhà nước"
    assert (
        "Chỉ thị 28/CT-BTTTT: Chỉ thị 28/CT-BTTTT về tăng cường công tác bảo đảm an toàn, an ninh bưu chính" in titles
    )
    assert items[0].findtext("link").startswith("http://testserver/tin-tuc-huong-dan/")


def test_atom_feed_is_valid_atom(demo_site, client):
    response = client.get("/feeds/atom/")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed" and len(root.findall(f"{ATOM}entry")) == 4


def test_sitemap_lists_every_live_page(demo_site, client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locs = [
        e.text
        for e in ElementTree.fromstring(response.content).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert f"{settings.SITE_URL}/van-ban-chi-dao-dieu-hanh/chi-thi-28/" in locs and len(locs) == 9


def test_robots_points_to_the_sitemap(db, client):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_pages_carry_open_graph_and_feed_links(demo_site, client):
    html = client.get("/van-ban-chi-dao-dieu-hanh/chi-thi-28/").content.decode()
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Chỉ thị 28/CT-BTTTT' in html
    assert 'rel="alternate" type="application/rss+xml"' in html
    assert 'media="print"' in html
