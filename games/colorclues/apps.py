from django.apps import AppConfig


class ColorCluesConfig(AppConfig):
    """Registers Color Clues with the room runtime."""

    name = "games.colorclues"
    label = "colorclues"

    def ready(self) -> None:
        from core.rooms import registry

        from .rules import ColorClues

        registry.register(ColorClues())
