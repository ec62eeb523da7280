"""URL routes of the whole site."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from muster.accounts import views as account_views
from muster.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", account_views.MusterLoginView.as_view(), name="login"),
    path("logout/", account_views.MusterLogoutView.as_view(), name="logout"),
    path("", include("muster.accounts.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("muster.people.urls")),
    path("", include("muster.compliance.urls")),
    path("", include("muster.training.urls")),
    path("outside-training/", include("muster.outside.urls")),
    path("course-certification/", include("muster.certification.urls")),
    path("roll-call/", include("muster.rollcall.urls")),
    path("", include("muster.reports.urls")),
    # Site administration signs in through Muster's own login, second step included.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
