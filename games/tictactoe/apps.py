from django.apps import AppConfig


class TicTacToeConfig(AppConfig):
    """Registers tic-tac-toe with the room runtime."""

    name = "games.tictactoe"
    label = "tictactoe"

    def ready(self) -> None:
        from core.rooms import registry

        from .rules import TicTacToe

        registry.register(TicTacToe())
