from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """The records retention app: schedules, legal holds and disposition."""

    name = "muster.retention"
    label = "retention"
    verbose_name = "Records retention"
