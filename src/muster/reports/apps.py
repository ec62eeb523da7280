from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The reports app."""

    name = "muster.reports"
    label = "reports"
    verbose_name = "Reports"
