"""Finished pictures, for the gallery: the PNG rendered from the stroke log, with its theme and prompts."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from core.rooms.models import Match, Room


class Picture(models.Model):
    """One finished drawing; the stroke log stays in the match's actions, this is its rendering."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="picture")
    theme = models.CharField(max_length=80)
    source = models.CharField(max_length=16, default="deck")
    prompts = models.JSONField(help_text="[{seat, name, part, prompts}] per player.")
    strokes = models.PositiveIntegerField(default=0)
    png = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.theme

    def get_absolute_url(self) -> str:
        return reverse("draw:picture", args=[self.pk])

    def png_url(self) -> str:
        return reverse("draw:png", args=[self.pk])
