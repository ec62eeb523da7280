"""xAPI: the statements endpoint (authorized by an integration's Basic credentials, not by the
session's role) and the Training Unit's integration pages."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from muster.xapi.services import add_mapping, create_integration, parse_statement, receive_statement
from tests.authz.base import EVERYONE, TRAINING_WRITERS, AuthzWorld, Route
from tests.factories import CourseFactory


def setup(w: AuthzWorld) -> None:
    """An integration of the officer's agency, a mapping and a credited statement."""
    training = w.users["training"]
    integration, secret = create_integration(acting_user=training, agency=w.agency, name="LMS")
    course = CourseFactory(agency=w.agency)
    add_mapping(
        acting_user=training, integration=integration, activity_id="https://x/a", course=course
    )
    data: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "https://x", "name": w.officer.serial_number}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://x/a"},
    }
    receive_statement(integration=integration, data=data, parsed=parse_statement(data))
    w.objects["integration"] = integration
    w.objects["secret"] = secret
    w.objects["statement_id"] = data["id"]


def _integration(w: AuthzWorld) -> dict[str, int]:
    return {"pk": w.objects["integration"].pk}


def _credentials(w: AuthzWorld, client: Any) -> None:
    """Every role sends the integration's credentials: the endpoint ignores the session."""
    key = w.objects["integration"].key
    auth = base64.b64encode(f"{key}:{w.objects['secret']}".encode()).decode()
    client.defaults["HTTP_AUTHORIZATION"] = f"Basic {auth}"
    client.defaults["HTTP_X_EXPERIENCE_API_VERSION"] = "1.0.3"


ROUTES = {
    # With the integration's credentials anyone reads its statement; without them it is 401
    # (tested in tests/xapi). The statement carries the officer's serial number, never a name.
    "xapi-statements": Route(
        allowed=EVERYONE,
        query=lambda w: f"?statementId={w.objects['statement_id']}",
        prepare=_credentials,
    ),
    # Training staff of any agency list and create integrations of their own agency.
    "xapi-list": Route(allowed=TRAINING_WRITERS | {"foreign_training"}),
    "xapi-new": Route(allowed=TRAINING_WRITERS | {"foreign_training"}),
    "xapi-detail": Route(allowed=TRAINING_WRITERS, kwargs=_integration),
    "xapi-mapping-new": Route(
        allowed=TRAINING_WRITERS,
        kwargs=_integration,
        methods=("POST",),
        data=lambda w: {"activity_id": "https://x/b", "course": ""},
    ),
    "xapi-deactivate": Route(allowed=TRAINING_WRITERS, kwargs=_integration, methods=("POST",)),
}
