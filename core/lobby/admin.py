from django.contrib import admin

from .models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "from_user", "to_user", "game", "status", "room")
    list_filter = ("status", "game")
