"""What drf-spectacular cannot infer: the token scheme."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents `Authorization: Bearer <token>` for the schema's security section."""

    target_class = "muster.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        """A bearer scheme; tokens are made on the account's API tokens page."""
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (mst_...), made on the API tokens page.",
        }
