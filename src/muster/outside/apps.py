from django.apps import AppConfig


class OutsideConfig(AppConfig):
    """The outside training app."""

    name = "muster.outside"
    label = "outside"
    verbose_name = "Outside training"
