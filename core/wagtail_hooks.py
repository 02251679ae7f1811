from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import resolve_url
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from core import accounts
from core.selectors import failed_background_tasks, open_tasks_for, task_url


@hooks.register("register_admin_menu_item")
def register_workflow_menu_item() -> MenuItem:
    return MenuItem(_("Việc của tôi"), resolve_url(settings.VANTHU_STAFF_HOME), icon_name="tasks", order=150)


class MyTasksPanel(Component):
    name = "vanthu_my_tasks"
    order = 50
    template_name = "core/my_tasks_panel.html"

    def __init__(self, user) -> None:
        self.user = user

    def get_context_data(self, parent_context=None):
        tasks = list(open_tasks_for(self.user)[:20])
        return {
            "tasks": [(task, task_url(task)) for task in tasks],
            "workflow_url": resolve_url(settings.VANTHU_STAFF_HOME),
        }


@hooks.register("construct_homepage_panels")
def add_my_tasks_panel(request, panels) -> None:
    panels.insert(0, MyTasksPanel(request.user))


def _refuse_account(request, user=None):
    """Wagtail's user pages: a non-superuser edits only the accounts, and grants only the roles, core.accounts
    allows; anything else is refused before the form is read."""
    if user is not None and not accounts.may_manage(actor=request.user, target=user):
        raise PermissionDenied
    if request.method == "POST":
        if "is_superuser" in request.POST and not request.user.is_superuser:
            raise PermissionDenied
        if not accounts.may_grant(actor=request.user, group_ids=request.POST.getlist("groups")):
            raise PermissionDenied
    return None


@hooks.register("before_edit_user")
def guard_edit_user(request, user):
    return _refuse_account(request, user)


@hooks.register("before_delete_user")
def guard_delete_user(request, user):
    return _refuse_account(request, user)


@hooks.register("before_create_user")
def guard_create_user(request):
    return _refuse_account(request)


class FailedTasksPanel(Component):
    """Background tasks that failed for good (every attempt used up), where staff look first."""

    name = "vanthu_failed_tasks"
    order = 40
    template_name = "core/failed_tasks_panel.html"

    def __init__(self, failed) -> None:
        self.failed = failed

    def get_context_data(self, parent_context=None):
        return {"failed": self.failed}


@hooks.register("construct_homepage_panels")
def add_failed_tasks_panel(request, panels) -> None:
    if not request.user.has_perm("django_tasks_db.view_dbtaskresult"):
        return
    failed = failed_background_tasks()
    if failed:
        panels.insert(0, FailedTasksPanel(failed))
