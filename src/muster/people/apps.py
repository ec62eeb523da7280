from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """The people app."""

    name = "muster.people"
    label = "people"
    verbose_name = "People"
