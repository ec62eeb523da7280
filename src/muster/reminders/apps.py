from django.apps import AppConfig


class RemindersConfig(AppConfig):
    """Deadline reminders: e-mails to deficient officers, their supervisors and liaisons."""

    name = "muster.reminders"
    label = "reminders"
    verbose_name = "Deadline reminders"
