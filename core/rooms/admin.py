from django.contrib import admin

from .models import Action, Match, Room, Seat


class SeatInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Seat
    extra = 0


class MatchInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Match
    extra = 0
    readonly_fields = ("number", "seed", "players", "status", "result", "started_at", "finished_at")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rooms with their seats and matches."""

    list_display = ("id", "game", "status", "public", "created_by", "created_at")
    list_filter = ("game", "status", "public")
    inlines = [SeatInline, MatchInline]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The append-only action log, read-only."""

    list_display = ("match", "seq", "seat", "payload", "created_at")
    list_filter = ("match__room__game",)

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
