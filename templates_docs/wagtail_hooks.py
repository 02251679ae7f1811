from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from templates_docs import admin_views

admin_patterns = (
    [
        path("", admin_views.index, name="index"),
        path("tai-len/", admin_views.upload, name="upload"),
        path("<int:pk>/xem-thu/", admin_views.preview, name="preview"),
        path("<int:pk>/kich-hoat/", admin_views.activate, name="activate"),
        path("<slug:doc_type>/tai-ve/", admin_views.download, name="download_builtin"),
        path("<slug:doc_type>/<int:pk>/tai-ve/", admin_views.download, name="download"),
    ],
    "templates_docs_admin",
)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("mau-van-ban/", include(admin_patterns))]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


def _menu_item(label, url_name: str, *, icon_name: str, order: int, permission: str):
    """Register an admin menu item shown to those with `permission` (its URL reversed when the menu is built)."""

    @hooks.register("register_admin_menu_item")
    def register():
        return PermissionMenuItem(label, reverse(url_name), icon_name=icon_name, order=order, permission=permission)

    return register


register_templates_menu_item = _menu_item(
    _("Mẫu văn bản"), "templates_docs_admin:index", icon_name="doc-full", order=820, permission=admin_views.MANAGE
)
register_register_menu_item = _menu_item(
    _("Sổ văn bản đi"),
    "templates_docs:register",
    icon_name="list-ul",
    order=821,
    permission="templates_docs.view_outgoing_register",
)
