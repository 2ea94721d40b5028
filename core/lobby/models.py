"""Invitations: one user asks another to play a game; accepting creates the room."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Invitation(models.Model):
    """An invitation and its answer; the room exists only once it is accepted."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        DECLINED = "declined"
        CANCELLED = "cancelled"

    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    game = models.CharField(max_length=32)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    room = models.ForeignKey("rooms.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notification = models.ForeignKey(
        "notifications.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def as_json(self) -> dict[str, object]:
        """The invitation as both sides' lobbies show it."""
        return {
            "id": self.pk,
            "from": self.from_user.public(),
            "to": self.to_user.public(),
            "game": self.game,
            "status": self.status,
            "room_url": self.room.get_absolute_url() if self.room else None,
        }
