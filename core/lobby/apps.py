from django.apps import AppConfig


class LobbyConfig(AppConfig):
    """The lobby: the catalog, who is online, open rooms, and invitations."""

    name = "core.lobby"
    label = "lobby"

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (invitation messages on every socket; room feed)
