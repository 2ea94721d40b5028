from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health, metrics, logs, the proxy configuration and the staff's live room monitor."""

    name = "core.ops"
    label = "ops"

    def ready(self) -> None:
        from django.contrib import admin

        from . import moderation  # noqa: F401  (the monitor's publishing job and its staff-request handler)

        admin.site.index_template = "ops/admin_index.html"  # the admin's index links to the monitor
