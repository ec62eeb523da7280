"""The API's docs page: Swagger UI, served from Muster's own static files.

drf-spectacular's split view sends the page and its start-up script separately, so nothing
runs inline; this page's template also keeps its few styles in a file, as the
Content-Security-Policy (no inline styles or scripts) requires.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI over /api/schema/, with Muster's CSP-clean page template."""

    template_name = "api/swagger_ui.html"
