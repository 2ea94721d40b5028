from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Notifications in four scopes, stored first, delivered live, kept for offline users."""

    name = "core.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (registers notify.read on every socket)
