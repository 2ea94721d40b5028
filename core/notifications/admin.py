"""Announcements from the Django admin: saving one broadcasts it to everyone connected."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Announcement, Notification


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Write the text, save: every connected browser shows it, later visitors find it unread."""

    fields = ("text",)
    list_display = ("text", "created_at", "dispatched_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Announcement]:
        return super().get_queryset(request).filter(scope=Notification.Scope.BROADCAST)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.scope = Notification.Scope.BROADCAST
        obj.kind = "announcement"
        super().save_model(request, obj, form, change)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every notification in every scope, read-only: the delivery log."""

    list_display = ("created_at", "scope", "kind", "user", "group", "text", "dispatched_at")
    list_filter = ("scope", "kind")
    search_fields = ("text", "group", "user__username", "user__display_name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
