"""URL routes of the whole site."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from muster.accounts import views as account_views
from muster.core import audit_views
from muster.core import views as core_views
from muster.core.csp import csp_report

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", account_views.MusterLoginView.as_view(), name="login"),
    path("logout/", account_views.MusterLogoutView.as_view(), name="logout"),
    path("", include("muster.accounts.urls")),
    path("sso/", include("muster.accounts.sso_urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("csp-report/", csp_report, name="csp-report"),
    path("", include(audit_views)),
    path("", include("muster.people.urls")),
    path("", include("muster.compliance.urls")),
    path("", include("muster.training.urls")),
    path("outside-training/", include("muster.outside.urls")),
    path("course-certification/", include("muster.certification.urls")),
    path("roll-call/", include("muster.rollcall.urls")),
    path("releases/", include("muster.release.urls")),
    path("retention/", include("muster.retention.urls")),
    path("xapi/", include("muster.xapi.urls")),
    path("imports/", include("muster.imports.urls")),
    path("", include("muster.reports.urls")),
    path("api/", include("muster.api.urls")),
    path("account/api-tokens/", include("muster.api.token_urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
