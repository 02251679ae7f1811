from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from core.views import favicon, healthz
from workflows.site import site as workflow_site

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("tai-khoan/", include("core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("workflow/", workflow_site.urls),
    path("van-ban/", include("templates_docs.urls")),
    path("xac-thuc/", include("signing.urls")),
    path("van-ban-di/", include("workflows.dispatch.urls")),
    path("van-ban-den/", include("workflows.incoming.urls")),
    path("cam-ket/", include("workflows.pledges.urls")),
    path("viec-cua-toi/", include("workflows.workspace.urls")),
    path("", include("cms.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving catches everything else: keep it last.
urlpatterns.append(path("", include(wagtail_urls)))
