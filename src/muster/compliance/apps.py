from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Rule packs, the evaluator, and each officer's stored compliance."""

    name = "muster.compliance"
    label = "compliance"
    verbose_name = "Compliance"
