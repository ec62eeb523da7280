from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    """The agencies app."""

    name = "muster.agencies"
    label = "agencies"
    verbose_name = "Agencies"
