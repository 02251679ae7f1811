from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from core.models import AuditEntry, User


@admin.register(User)
class VanthuUserAdmin(UserAdmin):
    list_display = ("username", "last_name", "first_name", "email", "is_staff")


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
