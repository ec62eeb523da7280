from django.apps import AppConfig


class XapiConfig(AppConfig):
    """The xAPI endpoint app."""

    name = "muster.xapi"
    label = "xapi"
    verbose_name = "xAPI statements"

    def ready(self) -> None:
        from muster.xapi import rules  # noqa: F401  (registers the permissions)
