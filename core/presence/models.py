"""Presence rows: a socket belongs to a server process; a process that stops beating takes its rows with it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Server(models.Model):
    """A running server process, alive while it refreshes ``seen_at``."""

    id = models.CharField(primary_key=True, max_length=32)
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField()


class Presence(models.Model):
    """One open socket of one user."""

    channel_name = models.CharField(primary_key=True, max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presences")
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="presences")
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)  # the lobby lists the newest
