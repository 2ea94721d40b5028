from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class ParlorUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Django's user admin plus the display name and guest flag."""

    list_display = ("username", "display_name", "is_guest", "is_staff", "date_joined")
    list_filter = ("is_guest", "is_staff", "is_superuser", "groups")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Parlor", {"fields": ("display_name", "is_guest")}))
