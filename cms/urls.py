from django.urls import path
from django.views.decorators.cache import cache_control
from wagtail.contrib.sitemaps.views import sitemap

from cms import feeds, views

app_name = "cms"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("tim-kiem/", views.search),
    path("feeds/rss/", feeds.LatestFeed(), name="feed_rss"),
    path("feeds/atom/", feeds.LatestAtomFeed(), name="feed_atom"),
    path("sitemap.xml", cache_control(max_age=3600)(sitemap), name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("ngon-ngu/", views.set_language, name="set_language"),
]
