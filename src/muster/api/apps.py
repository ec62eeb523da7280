from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (/api/v1/), its schema and docs, and personal API tokens."""

    name = "muster.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # Registers the token scheme with drf-spectacular, so the schema documents it.
        from muster.api import schema  # noqa: F401
