"""Replace Wagtail's placeholder root page with the portal's HomePage, so a fresh `migrate` serves `/`."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations

HOME_TITLE = "Cổng thông tin bưu chính"


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("cms.HomePage")

    if HomePage.objects.exists():
        return
    page_type = ContentType.objects.get(model="page", app_label="wagtailcore")
    placeholder = Page.objects.filter(content_type=page_type, depth=2, slug="home").first()
    if placeholder is not None and placeholder.numchild == 0:
        placeholder.delete()
    root = Page.objects.get(depth=1)
    path = root.path + "0001"
    if Page.objects.filter(path=path).exists():
        # Something else already sits where the home page belongs: leave the tree alone.
        return

    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    home = HomePage.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="home",
        content_type=home_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/home/",
        live=True,
        locale=Locale.objects.order_by("pk").first(),
        intro="Văn bản chỉ đạo điều hành, hướng dẫn và tin tức về bảo đảm an toàn, an ninh bưu chính.",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.filter(is_default_site=True).delete()
    # The public address (SITE_URL) names the site, so sitemaps and full URLs point where readers go.
    url = urlsplit(settings.SITE_URL or "http://localhost")
    port = url.port or (443 if url.scheme == "https" else 80)
    Site.objects.create(
        hostname=url.hostname or "localhost", port=port, root_page=home, is_default_site=True, site_name="vanthu"
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("cms.HomePage").objects.filter(depth=2, slug="home").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
