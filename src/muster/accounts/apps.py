from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """The accounts app."""

    name = "muster.accounts"
    label = "accounts"
    verbose_name = "Accounts"
