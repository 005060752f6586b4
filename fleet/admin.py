from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from fleet.models import User


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
