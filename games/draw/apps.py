from django.apps import AppConfig


class DrawConfig(AppConfig):
    """Registers Draw Together with its page codec and its hooks (prompts, the saved picture)."""

    name = "games.draw"
    label = "draw"

    def ready(self) -> None:
        from core.rooms import registry

        from .codecs import PAGE
        from .hooks import HOOKS
        from .rules import DrawTogether

        registry.register(DrawTogether(), page_codec=PAGE, hooks=HOOKS)
