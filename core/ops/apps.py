from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health, metrics, logs and the proxy configuration."""

    name = "core.ops"
    label = "ops"
