from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.utils.translation import gettext_lazy as _

from core import accounts
from core.models import AuditEntry, User


class VietnamesePasswordChoiceMixin:
    """Django 5.1's "Password-based authentication: Enabled / Disabled" choice has no Vietnamese translation in
    Django's catalogue: the same field, in Vietnamese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("usable_password")
        if field is not None:
            field.label = _("Đăng nhập bằng mật khẩu")
            field.choices = [("true", _("Bật")), ("false", _("Tắt"))]
            field.help_text = _(
                "Người dùng có đăng nhập được bằng mật khẩu hay không. Khi tắt, tài khoản vẫn có thể đăng nhập "
                "bằng cách khác nếu được cấu hình."
            )


class UserCreationForm(VietnamesePasswordChoiceMixin, AdminUserCreationForm):
    pass


class PasswordChangeForm(VietnamesePasswordChoiceMixin, AdminPasswordChangeForm):
    pass


@admin.register(User)
class VanthuUserAdmin(UserAdmin):
    """A non-superuser manages only the accounts and roles `core.accounts` allows (never a signer's)."""

    add_form = UserCreationForm
    change_password_form = PasswordChangeForm

    list_display = ("username", "last_name", "first_name", "email", "is_staff")
    _limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin cá nhân"), {"fields": ("first_name", "last_name", "email")}),
        (_("Quyền"), {"fields": ("is_active", "groups")}),
    )

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not accounts.may_manage(actor=request.user, target=obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not accounts.may_manage(actor=request.user, target=obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self._limited_fieldsets
        return super().get_fieldsets(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = accounts.grantable_groups(actor=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "code", "actor_label", "object_type", "object_id")
    list_filter = ("code",)
    search_fields = ("code", "object_id", "actor_label")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
