"""A notification is stored before it is delivered; ``dispatched_at`` marks the outbox as done."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """One message to a scope: everyone, one user, a named group, or one browser session."""

    class Scope(models.TextChoices):
        BROADCAST = "broadcast"
        USER = "user"
        GROUP = "group"
        SESSION = "session"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    group = models.CharField(max_length=80, blank=True)
    session_key = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=40, default="message")
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.scope}: {self.text[:60]}"

    def as_json(self) -> dict[str, object]:
        """The ``notify`` message sent to clients."""
        return {
            "type": "notify",
            "id": self.pk,
            "scope": self.scope,
            "kind": self.kind,
            "text": self.text,
            "data": self.data,
            "created_at": self.created_at.isoformat(),
        }


class Announcement(Notification):
    """Admin proxy: broadcast notifications, sent from the Django admin."""

    class Meta:
        proxy = True


class Receipt(models.Model):
    """A user has read (dismissed) a notification."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="receipts")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "notification"], name="one_receipt_per_user")]
