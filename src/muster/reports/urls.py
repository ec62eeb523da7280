"""Routes of the reports app, one list per area."""

from muster.reports import dashboard_views, state_report_views, transcripts_views, unit_views

urlpatterns = (
    transcripts_views.urlpatterns
    + dashboard_views.urlpatterns
    + state_report_views.urlpatterns
    + unit_views.urlpatterns
)
