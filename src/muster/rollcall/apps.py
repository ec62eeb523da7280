from django.apps import AppConfig


class RollcallConfig(AppConfig):
    """The roll-call training app."""

    name = "muster.rollcall"
    label = "rollcall"
    verbose_name = "Roll-call training"
