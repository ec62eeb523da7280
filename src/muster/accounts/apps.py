from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """The accounts app."""

    name = "muster.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Connects the audit of failed sign-ins and lockouts.
        # Registers the system check that warns about half-configured single sign-on.
        from muster.accounts import (
            lockout,  # noqa: F401
            oidc,  # noqa: F401
        )
