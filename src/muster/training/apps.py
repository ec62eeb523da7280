from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """The training app."""

    name = "muster.training"
    label = "training"
    verbose_name = "Training"
