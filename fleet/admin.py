from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from fleet.models import Assignment, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role_name", "is_active")
    list_filter = ("groups", "is_active", "is_staff")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Preferences"), {"fields": ("preferred_language",)}),)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("role"))
    def role_name(self, obj):
        return obj.role.label if obj.role else "–"


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Read-only: assign and release through the fleet services (the ticket page)."""

    list_display = ("ticket", "user", "assigned_by", "created_at")
    list_select_related = ("ticket", "user", "assigned_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
