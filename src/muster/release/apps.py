from django.apps import AppConfig


class ReleaseConfig(AppConfig):
    """The records release app: requests to release training records outside the agency."""

    name = "muster.release"
    label = "release"
    verbose_name = "Records release"
