"""Bulk import of rosters, training records and qualifications from spreadsheets."""

from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """The imports app: uploads, previews and all-or-nothing commits."""

    name = "muster.imports"
    label = "imports"
    verbose_name = "Bulk import"

    def ready(self) -> None:
        from muster.imports import rules  # noqa: F401  (registers the permissions)
