"""The site administration: for superusers only; everyone else is sent to its own login.

The declarations are made from the admin site's registry, so a model registered later is
covered without another line here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory

from tests.authz import training
from tests.authz.base import EVERYONE, AuthzWorld, Route

SUPERUSER = frozenset({"superuser"})
ADMIN_LOGIN = "/admin/login/"


def setup(w: AuthzWorld) -> None:
    """The training world's objects (records, sessions, audit rows), and a group."""
    training.setup(w)
    Group.objects.get_or_create(name="Readers")


def _object_id(model: Any) -> str:
    # The first object of the model; a made-up id when there is none (the admin then sends a
    # superuser back to its index, which is still an answer under 400).
    first = model._default_manager.order_by("pk").first()
    return str(first.pk) if first else "999999"


class _Superuser:
    """Enough of a superuser to ask a model admin what it permits at all."""

    is_active = is_staff = is_superuser = is_authenticated = True

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True


def _permits(model_admin: Any, what: str) -> frozenset[str]:
    """Superusers, where the model admin allows `what`; nobody where it never does (records,
    audit rows and topics are never added or deleted there)."""
    request = RequestFactory().get("/admin/")
    request.user = _Superuser()  # type: ignore[assignment]
    return SUPERUSER if getattr(model_admin, f"has_{what}_permission")(request) else frozenset()


def _model_routes() -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"

        def object_kwargs(w: AuthzWorld, model: Any = model) -> dict[str, Any]:
            return {"object_id": _object_id(model)}

        routes[f"admin:{label}_changelist"] = Route(allowed=SUPERUSER, denied_redirect=ADMIN_LOGIN)
        routes[f"admin:{label}_add"] = Route(
            allowed=_permits(model_admin, "add"), denied_redirect=ADMIN_LOGIN
        )
        routes[f"admin:{label}_delete"] = Route(
            allowed=_permits(model_admin, "delete"),
            kwargs=object_kwargs,
            denied_redirect=ADMIN_LOGIN,
        )
        for view in ("change", "history"):
            routes[f"admin:{label}_{view}"] = Route(
                allowed=SUPERUSER, kwargs=object_kwargs, denied_redirect=ADMIN_LOGIN
            )
        # The old address of a change page, which redirects to the new one.
        routes[prefix + "<path:object_id>/"] = Route(
            allowed=SUPERUSER, kwargs=object_kwargs, denied_redirect=ADMIN_LOGIN
        )
    return routes


def _user_id(w: AuthzWorld) -> dict[str, Any]:
    return {"id": w.officer_user.pk}


def _view_on_site(w: AuthzWorld) -> dict[str, Any]:
    record = w.objects["course"]
    return {
        "content_type_id": ContentType.objects.get_for_model(record).pk,
        "object_id": record.pk,
    }


ROUTES = {
    **_model_routes(),
    "admin:login": Route(allowed=EVERYONE),
    "admin:logout": Route(allowed=EVERYONE, methods=("POST",), ends_at_login=True),
    "admin:index": Route(allowed=SUPERUSER, denied_redirect=ADMIN_LOGIN),
    "admin:app_list": Route(
        allowed=SUPERUSER, kwargs=lambda w: {"app_label": "training"}, denied_redirect=ADMIN_LOGIN
    ),
    "admin:password_change": Route(allowed=SUPERUSER, denied_redirect=ADMIN_LOGIN),
    "admin:password_change_done": Route(allowed=SUPERUSER, denied_redirect=ADMIN_LOGIN),
    "admin:jsi18n": Route(allowed=SUPERUSER, denied_redirect=ADMIN_LOGIN),
    "admin:autocomplete": Route(
        allowed=SUPERUSER,
        query="?app_label=training&model_name=session&field_name=course&term=Use",
        denied_redirect=ADMIN_LOGIN,
    ),
    "admin:auth_user_password_change": Route(
        allowed=SUPERUSER, kwargs=_user_id, denied_redirect=ADMIN_LOGIN
    ),
    # No Muster model has an address of its own for the admin to link to, so this answers 404
    # to everyone (and sends the non-staff to log in first).
    "admin:view_on_site": Route(
        allowed=frozenset(), kwargs=_view_on_site, denied_redirect=ADMIN_LOGIN
    ),
    "/admin/(?P<url>.*)$": Route(
        allowed=SUPERUSER, kwargs=lambda w: {"url": "training"}, denied_redirect=ADMIN_LOGIN
    ),
}
