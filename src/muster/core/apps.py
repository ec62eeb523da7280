from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces: the audit log, request ids, time zones and navigation."""

    name = "muster.core"
    label = "core"
    verbose_name = "Core"
