"""Routes of the training app: the catalog, sessions and sign-in, and record entry."""

from muster.training.views import catalog, records, sessions

urlpatterns = catalog.urlpatterns + sessions.urlpatterns + records.urlpatterns
