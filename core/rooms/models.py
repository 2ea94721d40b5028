"""Rooms, their seats, the matches played in them, and every accepted action (append-only, numbered)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse


def new_room_id() -> str:
    """A short unguessable id; the watch link is made of it."""
    return secrets.token_urlsafe(9)


def new_join_key() -> str:
    """The secret in a room's join link (like the tutorial's join key)."""
    return secrets.token_urlsafe(12)


class Room(models.Model):
    """A place where one game is played, possibly several times (rematches)."""

    class Status(models.TextChoices):
        WAITING = "waiting"
        PLAYING = "playing"
        FINISHED = "finished"

    id = models.CharField(primary_key=True, max_length=16, default=new_room_id)
    game = models.CharField(max_length=32)
    options = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    join_key = models.CharField(max_length=24, default=new_join_key, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["public", "status"])]

    def __str__(self) -> str:
        return f"{self.game} {self.id}"

    def get_absolute_url(self) -> str:
        """The watch link: the room page; anyone with it may watch, nobody may sit through it."""
        return reverse("rooms:room", args=[self.id])

    def join_url(self) -> str:
        """The join link: the room page that takes a free seat."""
        return reverse("rooms:join", args=[self.id, self.join_key])


class Seat(models.Model):
    """A user's place at a room's table; it outlives their sockets."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seats")
    index = models.PositiveSmallIntegerField()
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["room", "index"], name="one_user_per_seat"),
            models.UniqueConstraint(fields=["room", "user"], name="one_seat_per_user"),
        ]


class Match(models.Model):
    """One game played in a room: who played in which game seat, its seed and its result."""

    class Status(models.TextChoices):
        PLAYING = "playing"
        FINISHED = "finished"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="matches")
    number = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    players = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLAYING)
    result = models.JSONField(null=True, blank=True)
    content = models.JSONField(null=True, blank=True, help_text="Prepared before the start (a drawing's prompts).")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["room", "number"]
        constraints = [models.UniqueConstraint(fields=["room", "number"], name="one_match_number_per_room")]

    def __str__(self) -> str:
        return f"{self.room_id} #{self.number}"


class Action(models.Model):
    """An accepted action, stored before anyone is told of it; replaying them rebuilds the state."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="actions")
    seq = models.PositiveIntegerField()
    seat = models.PositiveSmallIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["match", "seq"]
        constraints = [models.UniqueConstraint(fields=["match", "seq"], name="one_action_per_seq")]
