from django.apps import AppConfig


class ConnectFourConfig(AppConfig):
    """Registers Connect Four with the room runtime."""

    name = "games.connect4"
    label = "connect4"

    def ready(self) -> None:
        from core.rooms import registry

        from .rules import ConnectFour

        registry.register(ConnectFour())
