from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from signing import admin_views

admin_patterns = (
    [
        path("", admin_views.index, name="index"),
        path("nhap/", admin_views.import_bundle, name="import"),
        path("<int:pk>/trang-thai/", admin_views.toggle, name="toggle"),
    ],
    "signing_trust_admin",
)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("kho-tin-cay/", include(admin_patterns))]


class _PermissionMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.MANAGE)


@hooks.register("register_admin_menu_item")
def register_trust_store_menu_item():
    return _PermissionMenuItem(
        _("Kho chứng thư tin cậy"), reverse("signing_trust_admin:index"), icon_name="lock", order=830
    )
