from django.apps import AppConfig


class CertificationConfig(AppConfig):
    """The post course certification app."""

    name = "muster.certification"
    label = "certification"
    verbose_name = "POST course certification"
