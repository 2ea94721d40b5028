from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users: registered accounts and guests who play at once."""

    name = "core.accounts"
    label = "accounts"
