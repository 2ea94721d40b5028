from django.apps import AppConfig


class PresenceConfig(AppConfig):
    """Who is online: one row per open socket, tied to the process that holds it."""

    name = "core.presence"
    label = "presence"

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (registers the socket hooks and the heartbeat)
