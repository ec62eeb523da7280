"""WSGI entry point for gunicorn, waitress and other WSGI servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.settings")

application = get_wsgi_application()
