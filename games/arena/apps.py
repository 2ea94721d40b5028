from django.apps import AppConfig


class ArenaConfig(AppConfig):
    """Registers the arena with the room runtime, with its page's snapshot codec."""

    name = "games.arena"
    label = "arena"

    def ready(self) -> None:
        from core.rooms import registry

        from .codecs import PAGE
        from .rules import Arena

        registry.register(Arena(), page_codec=PAGE)
