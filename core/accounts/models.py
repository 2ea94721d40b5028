"""One user model for members and guests, so seats, invitations and notifications treat both alike."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A Parlor user; a guest has a generated name and no password until they sign up."""

    display_name = models.CharField(max_length=40)
    is_guest = models.BooleanField(default=False)
    bot_level = models.CharField(max_length=16, blank=True, help_text="Set for computer players: their level.")

    def __str__(self) -> str:
        return self.display_name or self.username

    def public(self) -> dict[str, object]:
        """What other players may know about this user."""
        return {"id": self.pk, "name": str(self), "guest": self.is_guest, "bot": bool(self.bot_level)}
