from django.apps import AppConfig


class ArenaConfig(AppConfig):
    """Registers the arena with the room runtime (with its page's codec) and its lane route."""

    name = "games.arena"
    label = "arena"

    def ready(self) -> None:
        from core.rooms import registry
        from core.transport import lane as lanes

        from .codecs import PAGE
        from .lane import ROUTE
        from .rules import Arena

        registry.register(Arena(), page_codec=PAGE)
        lanes.route("arena", ROUTE)
